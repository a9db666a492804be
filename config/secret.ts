// A secret in the config file: it must be a `${ENV_VAR}` reference (the loader resolves it), never a
// literal value, so files can be committed and reviewed without leaking credentials.
import { z } from 'zod';

const SECRET_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

export const secret = z
  .string()
  .regex(SECRET_REFERENCE, 'secrets must be ${ENV_VAR} references, not literal values');
