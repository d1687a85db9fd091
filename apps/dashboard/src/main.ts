/**
 * The Pulse dashboard: one page over the server's JSON API (docs/api/openapi.yaml), served by
 * the server at `/`. See apps/dashboard/README.md.
 */
import { ApiClient } from './api/api-client';
import { TokenPrompt } from './api/token-prompt';
import { AppShell } from './app-shell';

const root = document.getElementById('app');
if (root) void new AppShell(new ApiClient(new TokenPrompt())).start(root);
