// The version printed by --version and sent nowhere else; read from package.json at build time would need a bundler.
export const VERSION = '0.1.0';
