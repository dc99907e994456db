// Chapter 1's API server: pods, nodes and namespaces, no subresources yet.
import { runAPIServer } from '../../apiserver/run.ts';

await runAPIServer({});
