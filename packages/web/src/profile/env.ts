/** Environment variables as a profile shows them: secret-looking values hidden until asked. */
export interface EnvVar {
  readonly name: string;
  readonly value: string;
  /** The name looks like it holds a secret: show the value masked until revealed. */
  readonly secret: boolean;
}

const SECRET_NAME = /pass|secret|token|key|credential/i;

/** `API_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`… */
export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);

/** Splits `NAME=value` at the first `=` (a value may hold more of them). */
export function parseEnv(env: readonly string[]): EnvVar[] {
  return env.map((entry) => {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    const value = eq < 0 ? '' : entry.slice(eq + 1);
    return { name, value, secret: isSecretName(name) && value !== '' };
  });
}

export const MASK = '••••••••';
