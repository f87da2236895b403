#include "http/fiber_runner.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/fiber.h"
#include "http/fiber_runner_executor.h"

namespace anvil::http {
namespace {

namespace asio = boost::asio;

// ::poll with Poll's result convention.
[[gnu::noipa]] int PlainPoll(pollfd* fds, nfds_t count, int timeout_ms) {
  const int n = ::poll(fds, count, timeout_ms);
  return n >= 0 ? n : -errno;
}

using Strand = asio::strand<asio::io_context::executor_type>;

// The executor of the FiberRunner fiber running on this thread (its strand); null elsewhere.
thread_local const asio::any_io_executor* current_executor = nullptr;

[[gnu::noipa]] void SetCurrentExecutor(const asio::any_io_executor* executor) { current_executor = executor; }

// One spawned body: its fiber and the strand that resumes it (one Resume at a time).
struct Task {
  explicit Task(Strand s) : strand(std::move(s)), executor(strand) {}
  Strand strand;
  asio::any_io_executor executor;  // the strand again, as CurrentFiberExecutor hands it out
  std::optional<fiber::Fiber> fiber;
};

}  // namespace

[[gnu::noipa]] const asio::any_io_executor* CurrentFiberExecutor() { return current_executor; }

struct FiberRunner::Impl {
  asio::io_context context;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{context.get_executor()};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable idle;
  size_t running = 0;  // guarded by mu

  // Runs on the task's strand.
  void Resume(Task* task) {
    SetCurrentExecutor(&task->executor);
    const bool finished = task->fiber->Resume();
    SetCurrentExecutor(nullptr);
    if (!finished) return;  // suspended; its wake posts the next Resume
    // Not deleted here: the strand's handler is still running.
    asio::post(context, [task] { delete task; });
    std::lock_guard lock(mu);
    if (--running == 0) idle.notify_all();
  }
};

FiberRunner::FiberRunner(int threads) : impl_(std::make_unique<Impl>()) {
  const int n = threads > 0 ? threads : 1;
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->context.run(); });
  }
}

FiberRunner::~FiberRunner() {
  WaitIdle();
  impl_->work.reset();  // run() returns once the last deletions have run
  for (std::thread& t : impl_->threads) t.join();
}

void FiberRunner::WaitIdle() {
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait(lock, [&] { return impl_->running == 0; });
}

void FiberRunner::Spawn(std::function<void()> body) {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->running;
  }
  auto* task = new Task(asio::make_strand(impl_->context));
  Impl* impl = impl_.get();
  task->fiber.emplace(std::move(body),
                      [impl, task] { asio::post(task->strand, [impl, task] { impl->Resume(task); }); });
  asio::post(task->strand, [impl, task] { impl->Resume(task); });
}

int Poll(pollfd* fds, nfds_t count, int timeout_ms) {
  const asio::any_io_executor* strand = CurrentFiberExecutor();
  if (strand == nullptr || timeout_ms == 0 || (count == 0 && timeout_ms < 0)) {
    return PlainPoll(fds, count, timeout_ms);
  }
  // What is ready already needs no trip through the reactor.
  if (const int ready = PlainPoll(fds, count, 0); ready != 0) return ready;

  // Every wait completes on the fiber's own strand, which this fiber holds until it has suspended: the
  // handlers below never run concurrently, nor before all waits are started and `wake` is set. The fiber is
  // woken when all of them have completed (the first one cancels the rest), so nothing refers to this frame
  // after.
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> descriptors(count);
  bool any = false;
  for (nfds_t i = 0; i < count; ++i) {
    if (fds[i].fd < 0 || (fds[i].events & (POLLIN | POLLOUT)) == 0) continue;
    auto d = std::make_unique<asio::posix::stream_descriptor>(*strand);
    boost::system::error_code ec;
    d->assign(fds[i].fd, ec);  // does not take ownership: released below, never closed
    if (ec) {
      // A descriptor epoll cannot watch: wait as poll(2) does, blocking the thread.
      for (auto& registered : descriptors) {
        if (registered) registered->release();
      }
      return PlainPoll(fds, count, timeout_ms);
    }
    descriptors[i] = std::move(d);
    any = true;
  }
  if (!any && timeout_ms < 0) return PlainPoll(fds, count, timeout_ms);  // nothing to wait for, ever
  asio::steady_timer timer(*strand);
  int pending = 0;
  bool fired = false;
  fiber::Wake wake;
  auto complete = [&](nfds_t index, short event, const boost::system::error_code& ec) {
    if (!ec && index < count) fds[index].revents = static_cast<short>(fds[index].revents | event);
    if (!fired) {
      fired = true;
      timer.cancel();
      for (auto& d : descriptors) {
        if (d) d->cancel();
      }
    }
    if (--pending == 0) wake();
  };
  fiber::Await([&](fiber::Wake w) {
    wake = std::move(w);
    for (nfds_t i = 0; i < count; ++i) {
      if (!descriptors[i]) continue;
      if (fds[i].events & POLLIN) {
        ++pending;
        descriptors[i]->async_wait(asio::posix::stream_descriptor::wait_read,
                                   [&, i](const boost::system::error_code& ec) { complete(i, POLLIN, ec); });
      }
      if (fds[i].events & POLLOUT) {
        ++pending;
        descriptors[i]->async_wait(asio::posix::stream_descriptor::wait_write,
                                   [&, i](const boost::system::error_code& ec) { complete(i, POLLOUT, ec); });
      }
    }
    if (timeout_ms > 0) {
      ++pending;
      timer.expires_after(std::chrono::milliseconds(timeout_ms));
      timer.async_wait([&](const boost::system::error_code& ec) { complete(count, 0, ec); });
    }
  });
  int ready = 0;
  for (nfds_t i = 0; i < count; ++i) {
    if (descriptors[i]) descriptors[i]->release();
    if (fds[i].revents != 0) ++ready;
  }
  return ready;
}

}  // namespace anvil::http
