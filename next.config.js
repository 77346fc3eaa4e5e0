/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and WASM packages are loaded by Node from node_modules, not bundled: the bundler would
  // otherwise move tfjs's .wasm files and Prisma's query compiler out of reach.
  serverExternalPackages: [
    '@tensorflow/tfjs',
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
    'sharp',
    'better-sqlite3',
    'prom-client',
    'tsx',
  ],
  poweredByHeader: false,
  // Uploads are parsed by our own route handler, which enforces UPLOAD_MAX_BYTES itself.
  experimental: { serverActions: { bodySizeLimit: '1mb' } },
};

export default nextConfig;
