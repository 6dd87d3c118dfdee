// Preloaded (--import) into the services the launcher starts in their own process group: when the launcher goes
// away, their stdin (a pipe from it) closes, and they shut down gracefully as on SIGTERM.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
// Keep the pipe from holding the event loop open once the service is otherwise done.
process.stdin.unref?.();
