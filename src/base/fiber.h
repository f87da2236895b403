// Fibers: functions that run on their own stack and can wait without holding a thread.
//
// Why: anvil-ca's handlers are ordinary synchronous code (front end → RA → CA → store), but a durable store
// write waits a few milliseconds for a group commit's fsync. Blocking a thread there costs a pool of threads
// and two kernel context switches per request; on a fiber the wait is a user-space stack switch, so the
// handlers run on the network threads themselves (docs/performance.md).
//
// A Fiber runs its body on the first Resume(), on the calling thread. Code anywhere below the body may call
// Await(): on a fiber it suspends (the running Resume() returns false) until its wake function is called, and
// the fiber's `schedule` callback then arranges the next Resume(). Off a fiber Await() blocks the thread, so
// code that may wait (a store write) is written once for both.
//
// Rules for code that runs on a fiber (the price of keeping handlers synchronous):
// - hold no lock across Await() (another fiber on the same thread may need it: deadlock);
// - do not Await() inside a catch block (the C++ runtime keeps the exceptions being handled per thread);
// - thread_local state may change across Await() (the fiber may resume on another thread), and a function
//   must not read thread-local state both before and after a call that may Await: the compiler keeps the
//   thread's address, and results it deems constant per thread (pthread_self, errno's location), in registers
//   within a function. Anvil's thread-local state (crypto's random buffer) is read inside leaf functions
//   only.
//
// Mechanism: Boost.Context's fiber switches the stacks (its fcontext code saves and restores the callee-saved
// registers, for x86-64, arm64 and the other architectures it supports; scripts/cross-check-aarch64 runs the
// tests on arm64). Each fiber runs on an mmap'd stack of kStackBytes above an inaccessible guard page, taken
// from a per-thread cache so that a request maps nothing; ASan is told of every switch.
//
// Thread-safety: a Fiber is resumed by one thread at a time, and Resume() must not be called while the fiber
// runs (schedule must defer, e.g. post to the strand that resumed it last). Await() is thread-safe.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>

namespace anvil::fiber {

// Called exactly once, from any thread, to end an Await().
using Wake = std::function<void()>;

// Calls `start(wake)` and returns once `wake` has been called. `start` runs on the calling thread and must
// hand `wake` to whatever completes the wait (it may call it at once).
void Await(const std::function<void(Wake)>& start);

// Whether the caller runs on a fiber (inside Fiber::Resume).
bool OnFiber();

class Fiber {
 public:
  // `body` runs on the fiber's stack; an exception it throws is rethrown by the Resume() that ran it.
  // `schedule` is called (from the thread that calls wake) when an Await() of this fiber is woken; it must
  // cause Resume() to be called later, never from inside `schedule` itself.
  Fiber(std::function<void()> body, std::function<void()> schedule);
  // A fiber must be destroyed finished or never started: a suspended fiber's stack cannot be unwound.
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Runs the fiber until its body returns (true) or it suspends in Await() (false).
  bool Resume();
  bool finished() const;

  struct State;  // internal

 private:
  std::unique_ptr<State> state_;
};

// Default stack size of a fiber (virtual; pages are committed as touched). Stacks are reused per thread.
inline constexpr size_t kStackBytes = size_t{1} << 20;

}  // namespace anvil::fiber
