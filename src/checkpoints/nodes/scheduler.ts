// Chapter 3's scheduler process: binds pending pods to Ready nodes, and marks silent nodes NotReady.
import { runScheduler } from '../../scheduler/run-scheduler.ts';

await runScheduler();
