// The PolySimulator venue: wire schemas, WS frame decoders, the REST client and its errors.

export * from './error-body.js';
export * from './frames.js';
export * from './venue-client.js';
export * from './venue-errors.js';
export * from './wire.js';
export * from './ws-url.js';
