// Sample state entries for the state-file tests.
import type { TrackedFile } from '../../src/core/model.js';

export function trackedFile(relPath: string, overrides: Partial<TrackedFile> = {}): TrackedFile {
  return {
    relPath,
    size: 12,
    mtimeMs: 1_700_000_000_123.456,
    ctimeMs: 1_700_000_000_200.5,
    ino: 4242,
    sha256: 'a'.repeat(64),
    status: 'synced',
    updatedAt: 1_700_000_001_000,
    ...overrides,
  };
}
