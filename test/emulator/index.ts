// The RAGFlow emulator for tests: a real HTTP server on 127.0.0.1 that behaves like RAGFlow
// (per /work/shared/ragflow-api.md) for a chosen version profile. See docs/emulator.md.
export { startEmulator } from './emulator.js';
export { PROFILES, PROFILE_TABLE } from './profiles.js';
export type { Profile } from './profiles.js';
export type {
  Emulator,
  EmulatorOptions,
  FaultAction,
  FaultRule,
  KbSeed,
  ParseMode,
  ParseOptions,
  ProfileName,
  RequestLogEntry,
  RunState,
  StoredDoc,
} from './types.js';
