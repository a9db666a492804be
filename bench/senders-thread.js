// Loads the TypeScript senders in a worker thread (worker threads do not inherit tsx's loader).
require('tsx/cjs');
require('./senders.ts');
