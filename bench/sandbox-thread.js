// Loads the TypeScript stand-ins in a worker thread (worker threads do not inherit tsx's loader).
require('tsx/cjs');
require('./sandbox-thread.ts');
