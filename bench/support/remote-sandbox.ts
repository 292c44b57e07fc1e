import { spawn, type ChildProcess } from 'node:child_process';
import type { SandboxHandle } from '../../src/sandbox/index.js';

/** What a bench needs of a sandbox running in another process (handed over as one `SANDBOX {json}` line). */
export type RemoteSandbox = Pick<SandboxHandle, 'baseUrl' | 'clientId' | 'clientSecret' | 'companyId' | 'locationIds' | 'authorizeUrl' | 'webhookPublicKeys'>;

/**
 * GHL is remote: the sandbox runs in its own process so it does not share the bench's event loop.
 * `script` (a bench's own file) is started with `--sandbox-child` and prints the handle as one line.
 */
export async function startRemoteSandbox(script: string): Promise<{ sandbox: RemoteSandbox; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--sandbox-child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sandbox = await new Promise<RemoteSandbox>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('SANDBOX '));
      if (line) resolve(JSON.parse(line.slice('SANDBOX '.length)) as RemoteSandbox);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited early (${code})`)));
  });
  return { sandbox, child };
}
