// FiberRunner: many small blocking tasks (the VA's validations) as fibers (base/fiber.h) on a few threads,
// and Poll, the poll(2) they wait with.
//
// A validation is a few network round trips with long timeouts: a DNS query, a connect, a request. On a
// thread each wait is a kernel sleep and a wake-up (two context switches), and a hostile target that never
// answers holds the thread for the whole timeout, so the number of threads caps the validations in flight.
// On a FiberRunner a wait in Poll suspends only the fiber: the thread runs the other validations, a slow
// target costs one fiber stack, and under load the ready descriptors of many fibers are picked up in one
// epoll_wait (docs/performance.md).
//
// Code written for threads keeps working: Poll off a FiberRunner fiber is ::poll, and fiber::Await blocks the
// thread off a fiber. On a FiberRunner fiber the rules of base/fiber.h apply (no lock held across a wait,
// which includes Poll).
//
// Thread-safety: Spawn and Poll may be called from any thread. The destructor must not race with Spawn.
#pragma once

#include <poll.h>

#include <functional>
#include <memory>

namespace anvil::http {

class FiberRunner {
 public:
  // Starts `threads` (at least 1) threads that run the fibers.
  explicit FiberRunner(int threads);
  // Waits until every spawned body has returned, then stops the threads.
  ~FiberRunner();
  FiberRunner(const FiberRunner&) = delete;
  FiberRunner& operator=(const FiberRunner&) = delete;

  // Runs `body` as a fiber on one of the threads and returns at once. The body must not throw (an exception
  // escaping it terminates the process, as on a std::thread). Bodies start in the order they were spawned.
  void Spawn(std::function<void()> body);

  // Returns once every spawned body has returned (those spawned while waiting included).
  void WaitIdle();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// poll(2): waits until one of `fds` is ready for its `events` or `timeout_ms` passes (negative: no limit),
// and returns the number of entries with non-zero `revents` (0 on timeout; -1 with errno on failure). On a
// FiberRunner fiber it suspends the fiber instead of blocking the thread; an error or hang-up on a
// descriptor is reported as readiness for the events asked (the next read or write returns the error).
int Poll(pollfd* fds, nfds_t count, int timeout_ms);

}  // namespace anvil::http
