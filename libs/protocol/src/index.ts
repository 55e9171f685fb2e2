export * from './version';
export * from './frames';
export * from './codec';
export * from './tasks';
export * from './api-views';
export * from './corked-writes';
