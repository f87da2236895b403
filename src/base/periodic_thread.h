// A thread that runs a task every period until stopped: the server's background chores (audit anchors, the
// expiry watch). Stop (or destruction) wakes it at once and waits for a running task to end. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace anvil {

class PeriodicThread {
 public:
  PeriodicThread() = default;
  ~PeriodicThread() { Stop(); }
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Runs `task` after each `period` (first after one period, or at once with `first_at_once`) until Stop.
  // Called once.
  void Start(std::chrono::nanoseconds period, std::function<void()> task, bool first_at_once = false);
  void Stop();

 private:
  std::mutex mu_;  // guards stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace anvil
