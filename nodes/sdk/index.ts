export * from './types.ts';
export * from './define-node.ts';
export * from '../../server/contract/node-error.ts';
export * from './credentials.ts';
export * from './resources.ts';
export * from './network.ts';
