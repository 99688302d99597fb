// Preloaded into the Herald child (node --expose-gc --import bench/gc-hook.mjs dist/cli/main.js serve)
// so the bench can ask for a full GC before it reads the child's RSS, without touching src/.
// It only listens on the IPC channel the bench opened; Herald itself is unchanged.
process.on('message', (msg) => {
  if (msg?.cmd !== 'gc' || typeof globalThis.gc !== 'function') return
  globalThis.gc()
  // A second pass after the finalizers and weak callbacks of the first have run.
  setTimeout(() => {
    globalThis.gc()
    process.send?.({ id: msg.id, memory: process.memoryUsage() })
  }, 250)
})
// Never outlive the bench: when the parent goes away, shut Herald down the normal way.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
