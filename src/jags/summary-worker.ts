/** A worker thread of summary-threads.ts: summarises its share of the nodes. */
import { parentPort, workerData } from 'node:worker_threads';
import { summarize } from '../mcmc/diagnostics.js';
import type { SummaryTask } from './summary-threads.js';

const task = workerData as SummaryTask;
parentPort!.postMessage(task.chains.map((chains) => summarize(chains)));
