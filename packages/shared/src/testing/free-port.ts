export { freePort, portAvailable } from '../net/free-port.js';
