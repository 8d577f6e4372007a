#!/usr/bin/env node
// The receiver's production entry point: it runs in this very process, with no shell or wrapper in between, so the
// SIGTERM and SIGINT a supervisor or container runtime sends arrive here (see receiver/shutdown.ts). tsx compiles
// the TypeScript sources as they load: there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../receiver/main.ts');
