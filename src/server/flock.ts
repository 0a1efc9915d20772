/**
 * flock(2) through bun:ffi: the only file that imports bun:ffi.
 *
 * Why flock and not SQLite's own locking: a flock is advisory and belongs to the open file
 * description, so (1) the kernel drops it when the process dies, kill -9 included, (2) a second
 * opener in the same process conflicts too (POSIX fcntl locks, which SQLite uses, do not), and
 * (3) the locked file stays readable, so a refused server can read who holds it.
 */
import { dlopen, FFIType, read, type Pointer } from "bun:ffi";

const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11; // Linux (EAGAIN); 35 on macOS, checked below by name of platform.

interface Libc { flock(fd: number, op: number): number; errno(): number }

let libc: Libc | undefined;

/** glibc, musl (Alpine images) and macOS name libc differently; the first that opens wins. */
function load(): Libc {
  if (libc) return libc;
  const candidates = process.platform === "darwin"
    ? [["/usr/lib/libSystem.B.dylib", "__error"]]
    : [["libc.so.6", "__errno_location"], [`libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`, "__errno_location"]];
  const failures: string[] = [];
  for (const [name, errnoFn] of candidates as [string, string][]) {
    try {
      const lib = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoFn]: { args: [], returns: FFIType.ptr },
      });
      const errnoPtr = lib.symbols[errnoFn] as () => Pointer | null;
      libc = {
        flock: (fd, op) => lib.symbols.flock(fd, op) as number,
        errno: () => { const p = errnoPtr(); return p === null ? 0 : read.i32(p); },
      };
      return libc;
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`cannot load libc for flock (${failures.join("; ")})`);
}

/**
 * Takes an exclusive lock on an open file without waiting. Returns false when another open
 * file description holds it; throws on any other failure (e.g. a filesystem without locks).
 */
export function tryLockExclusive(fd: number): boolean {
  const c = load();
  if (c.flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
  const errno = c.errno();
  if (errno === (process.platform === "darwin" ? 35 : EWOULDBLOCK)) return false;
  throw new Error(`flock failed with errno ${errno}`);
}
