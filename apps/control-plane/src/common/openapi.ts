import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Documents a request body from the same zod schema that validates it. */
export function ApiZodBody(schema: z.ZodType, description?: string) {
  return ApiBody({ schema: jsonSchema(schema), ...(description ? { description } : {}) });
}

/** Documents each query parameter from the zod object that validates the query. */
export function ApiZodQuery(schema: z.ZodObject) {
  const properties = (jsonSchema(schema)['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((jsonSchema(schema)['required'] as string[] | undefined) ?? []);
  return applyDecorators(
    ...Object.entries(properties).map(([name, property]) =>
      ApiQuery({ name, required: required.has(name), schema: property, ...(property['description'] ? { description: String(property['description']) } : {}) }),
    ),
  );
}
