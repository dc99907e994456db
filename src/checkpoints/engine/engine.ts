// Chapter 6's container engine (docker-node-1, docker-node-2): the Docker Engine API over real containers where the
// machine allows them, host processes where it does not.
import { runEngine } from '../../engine/run-engine.ts';

await runEngine();
