#include "fiber_loop.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <optional>
#include <thread>

#include "fiber_loop_internal.h"

namespace anvil::bench {
namespace {

namespace asio = boost::asio;

thread_local const asio::any_io_executor* current_strand = nullptr;

// One body: its fiber and the strand that resumes it.
struct Task {
  explicit Task(asio::any_io_executor s) : strand(std::move(s)) {}
  asio::any_io_executor strand;
  std::optional<fiber::Fiber> fiber;
};

}  // namespace

namespace internal {
[[gnu::noipa]] const asio::any_io_executor* CurrentStrand() { return current_strand; }
}  // namespace internal

struct FiberLoop::Impl {
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ioc.get_executor()};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable all_done;
  size_t remaining = 0;  // guarded by mu

  [[gnu::noipa]] static void SetStrand(const asio::any_io_executor* s) { current_strand = s; }

  // Runs on the task's strand.
  void Resume(Task* task) {
    SetStrand(&task->strand);
    const bool finished = task->fiber->Resume();
    SetStrand(nullptr);
    if (!finished) return;
    std::lock_guard lock(mu);
    if (--remaining == 0) all_done.notify_all();
  }
};

FiberLoop::FiberLoop(int threads) : impl_(std::make_unique<Impl>()) {
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

FiberLoop::~FiberLoop() {
  impl_->work.reset();
  for (std::thread& t : impl_->threads) t.join();
}

void FiberLoop::RunAll(const std::vector<std::function<void()>>& bodies) {
  std::vector<std::unique_ptr<Task>> tasks;
  {
    std::lock_guard lock(impl_->mu);
    impl_->remaining = bodies.size();
  }
  for (const std::function<void()>& body : bodies) {
    auto task = std::make_unique<Task>(asio::make_strand(impl_->ioc));
    Task* raw = task.get();
    Impl* impl = impl_.get();
    raw->fiber.emplace(body, [impl, raw] { asio::post(raw->strand, [impl, raw] { impl->Resume(raw); }); });
    tasks.push_back(std::move(task));
    asio::post(raw->strand, [impl, raw] { impl->Resume(raw); });
  }
  std::unique_lock lock(impl_->mu);
  impl_->all_done.wait(lock, [&] { return impl_->remaining == 0; });
}

void FiberSleeper::Sleep(std::chrono::milliseconds d) {
  const asio::any_io_executor* strand = internal::CurrentStrand();
  if (strand == nullptr) {
    std::this_thread::sleep_for(d);
    return;
  }
  asio::steady_timer timer(*strand);
  timer.expires_after(d);
  fiber::Await([&](fiber::Wake wake) { timer.async_wait([wake = std::move(wake)](auto) { wake(); }); });
}

void FiberMutex::lock() {
  {
    std::lock_guard lock(mu_);
    if (!locked_) {
      locked_ = true;
      return;
    }
  }
  fiber::Await([&](fiber::Wake wake) {
    std::lock_guard lock(mu_);
    if (!locked_) {  // released meanwhile
      locked_ = true;
      wake();
      return;
    }
    waiters_.push_back(std::move(wake));
  });
}

void FiberMutex::unlock() {
  fiber::Wake next;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    next = std::move(waiters_.front());  // stays locked: ownership passes to that waiter
    waiters_.pop_front();
  }
  next();
}

}  // namespace anvil::bench
