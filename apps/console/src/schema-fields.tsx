/** Renders the fields of schema-form.ts; every input has a label, its description and its API error. */
import type { JSX } from 'preact';
import { RequiredMark } from './ui';
import {
  type Field,
  fieldsOf,
  formatMap,
  getIn,
  parseLines,
  parseMap,
  type Path,
  setIn,
  startBranch,
} from './schema-form';

export interface FieldsProps {
  fields: Field[];
  value: unknown;
  onChange: (value: unknown) => void;
  /** API errors by dotted spec path (`url`, `authentication.spec.spec.tokenRef`). */
  errors: Record<string, string>;
}

const idOf = (path: Path) => `field-${path.join('-')}`;
const key = (path: Path) => path.join('.');

function Input({ field, props }: { field: Field; props: FieldsProps }) {
  const id = idOf(field.path);
  const current = getIn(props.value, field.path);
  const set = (next: unknown) => props.onChange(setIn(props.value, field.path, next));
  const error = props.errors[key(field.path)];
  const described =
    [field.description ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'aria-describedby': described,
    'aria-invalid': error ? true : undefined,
    required: field.required,
  };
  let control: JSX.Element;
  switch (field.kind) {
    case 'text':
      control = (
        <input
          {...common}
          type={field.format === 'uri' ? 'url' : 'text'}
          value={typeof current === 'string' ? current : ''}
          placeholder={field.default ?? (field.secretRef ? 'secret reference: x, org.x or account.x' : undefined)}
          list={field.secretRef ? 'secret-refs' : undefined}
          onInput={(e) => set(e.currentTarget.value)}
        />
      );
      break;
    case 'number':
      control = (
        <input
          {...common}
          type="number"
          step={field.integer ? 1 : 'any'}
          min={field.minimum}
          max={field.maximum}
          placeholder={field.default === undefined ? undefined : String(field.default)}
          value={typeof current === 'number' ? String(current) : ''}
          onInput={(e) => set(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))}
        />
      );
      break;
    case 'boolean':
      control = (
        <select
          {...common}
          value={current === undefined ? '' : String(current)}
          onChange={(e) => set(e.currentTarget.value === '' ? undefined : e.currentTarget.value === 'true')}
        >
          <option value="">
            {field.default === undefined ? '(not set)' : `(default: ${field.default ? 'yes' : 'no'})`}
          </option>
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      );
      break;
    case 'enum':
      control = (
        <select
          {...common}
          value={typeof current === 'string' ? current : ''}
          onChange={(e) => set(e.currentTarget.value || undefined)}
        >
          <option value="">{field.default ? `(default: ${field.default})` : '(choose)'}</option>
          {field.options.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      );
      break;
    case 'lines':
      control = (
        <textarea
          {...common}
          rows={2}
          value={Array.isArray(current) ? current.join('\n') : ''}
          onInput={(e) => set(parseLines(e.currentTarget.value, field.numeric))}
        />
      );
      break;
    case 'map':
      control = (
        <textarea
          {...common}
          rows={2}
          placeholder="key=value, one per line"
          value={formatMap(current)}
          onInput={(e) => set(parseMap(e.currentTarget.value))}
        />
      );
      break;
    case 'json':
      control = (
        <textarea
          {...common}
          rows={3}
          class="mono"
          defaultValue={current === undefined ? '' : JSON.stringify(current, null, 2)}
          onChange={(e) => {
            try {
              set(e.currentTarget.value.trim() ? JSON.parse(e.currentTarget.value) : undefined);
            } catch {
              e.currentTarget.setCustomValidity('not valid JSON');
              e.currentTarget.reportValidity();
            }
          }}
        />
      );
      break;
    default:
      return null;
  }
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>
        {field.label}
        {field.required && <RequiredMark />}
        {field.kind === 'text' && field.secretRef && <span class="tag">secret</span>}
      </label>
      {control}
      {field.description && (
        <div class="hint" id={`${id}-hint`}>
          {field.description}
        </div>
      )}
      {error && (
        <div class="field-error" id={`${id}-error`}>
          {error}
        </div>
      )}
    </div>
  );
}

function Choice({ field, props }: { field: Extract<Field, { kind: 'choice' }>; props: FieldsProps }) {
  const id = idOf(field.path);
  const current = getIn(props.value, field.path);
  const chosen = (current as Record<string, unknown> | undefined)?.[field.discriminator];
  const option = field.options.find((o) => o.value === chosen);
  return (
    <fieldset class="group">
      <legend>{field.path.length ? field.label : 'Connection'}</legend>
      <div class="field">
        <label for={id}>
          {field.path.length ? `${field.label} ${field.discriminator}` : 'Type'}
          {field.required && <RequiredMark />}
        </label>
        <select
          id={id}
          required={field.required}
          value={typeof chosen === 'string' ? chosen : ''}
          onChange={(e) =>
            props.onChange(
              setIn(
                props.value,
                field.path,
                e.currentTarget.value ? startBranch(field, e.currentTarget.value, current) : undefined,
              ),
            )
          }
        >
          <option value="">(choose)</option>
          {field.options.map((o) => (
            <option key={o.value}>{o.value}</option>
          ))}
        </select>
      </div>
      {option && <Fields {...props} fields={option.fields} />}
    </fieldset>
  );
}

function Rows({ field, props }: { field: Extract<Field, { kind: 'rows' }>; props: FieldsProps }) {
  const rows = getIn(props.value, field.path);
  const list = Array.isArray(rows) ? rows : [];
  return (
    <fieldset class="group">
      <legend>{field.label}</legend>
      {field.description && <div class="hint">{field.description}</div>}
      {list.map((_, index) => (
        <div class="row" key={index}>
          <Fields {...props} fields={fieldsOf(field.item, [...field.path, index])} />
          <button
            type="button"
            class="link-button"
            onClick={() =>
              props.onChange(
                setIn(
                  props.value,
                  field.path,
                  list.filter((__, i) => i !== index),
                ),
              )
            }
          >
            Remove {field.label.toLowerCase()} {index + 1}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => props.onChange(setIn(props.value, field.path, [...list, {}]))}>
        Add {field.label.toLowerCase()}
      </button>
    </fieldset>
  );
}

export function Fields(props: FieldsProps) {
  return (
    <>
      {props.fields.map((field) => {
        switch (field.kind) {
          case 'object':
            return (
              <fieldset class="group" key={key(field.path)}>
                <legend>{field.label}</legend>
                <Fields {...props} fields={field.fields} />
              </fieldset>
            );
          case 'choice':
            return <Choice key={key(field.path)} field={field} props={props} />;
          case 'rows':
            return <Rows key={key(field.path)} field={field} props={props} />;
          default:
            return <Input key={key(field.path)} field={field} props={props} />;
        }
      })}
    </>
  );
}
