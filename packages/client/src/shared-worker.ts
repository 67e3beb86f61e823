// The SharedWorker script that connect.ts starts; bundlers emit it as its own chunk.
import '@shared-realtime/worker/shared-worker'
