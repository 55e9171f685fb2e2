import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'conduit:public';

/** Marks a route that needs no API key (health, metrics, docs). Everything else requires one. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
