export { freePort } from '../net/free-port.js';
