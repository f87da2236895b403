#include "base/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <boost/context/fiber.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define ANVIL_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ANVIL_FIBER_ASAN 1
#endif
#endif
#if defined(ANVIL_FIBER_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace anvil::fiber {
namespace {

namespace context = boost::context;

[[noreturn]] void Die(const char* message) {
  std::fprintf(stderr, "anvil fiber: %s\n", message);
  std::abort();
}

// ASan must be told about every switch of stacks, or it reports false stack errors (and cannot free the fake
// frames of a finished fiber). `fake_stack` saves the frames of the stack being left; null when leaving a
// stack for good. (Boost.Context's fcontext switch, used here, does not tell ASan itself; its BOOST_USE_ASAN
// support exists only for its ucontext variant, so Anvil annotates each switch around Boost's resume().)
void StartSwitch([[maybe_unused]] void** fake_stack, [[maybe_unused]] const void* bottom,
                 [[maybe_unused]] size_t size) {
#if defined(ANVIL_FIBER_ASAN)
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
#endif
}
// A reused stack still carries the poisoned redzones of the frames of the fiber that ran on it last.
void UnpoisonStack([[maybe_unused]] char* bottom, [[maybe_unused]] size_t size) {
#if defined(ANVIL_FIBER_ASAN)
  __asan_unpoison_memory_region(bottom, size);
#endif
}
void FinishSwitch([[maybe_unused]] void* fake_stack, [[maybe_unused]] const void** old_bottom,
                  [[maybe_unused]] size_t* old_size) {
#if defined(ANVIL_FIBER_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack, old_bottom, old_size);
#endif
}

size_t PageSize() {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

// An mmap'd stack: one inaccessible guard page, so that an overflow faults instead of overwriting the
// neighbour, then kStackBytes for the fiber's frames, then one page for the record Boost.Context keeps at the
// top of the stack it is given (the stack allocator and the entry function, aligned down to 256 bytes, and a
// 64-byte gap: a few hundred bytes), so that the fiber's frames have all of kStackBytes.
struct Stack {
  char* mapping = nullptr;

  static size_t Size() { return kStackBytes + PageSize(); }  // what Boost.Context gets, its record included
  static size_t MappedBytes() { return PageSize() + Size(); }
  char* bottom() const { return mapping + PageSize(); }
  char* top() const { return bottom() + Size(); }
};

// Each thread keeps a few released stacks: mapping and unmapping per request would cost two system calls
// and a TLB shootdown each.
class StackCache {
 public:
  static constexpr size_t kMaxCached = 64;
  // Give runs when a fiber ends, inside a switch, where it must not throw: the list never grows.
  StackCache() { free_.reserve(kMaxCached); }
  ~StackCache() {
    for (Stack& s : free_) Unmap(s);
  }
  Stack Take() {
    if (!free_.empty()) {
      Stack s = free_.back();
      free_.pop_back();
      return s;
    }
    void* p = ::mmap(nullptr, Stack::MappedBytes(), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (::mprotect(p, PageSize(), PROT_NONE) != 0) {
      ::munmap(p, Stack::MappedBytes());
      throw std::bad_alloc();
    }
    return Stack{static_cast<char*>(p)};
  }
  void Give(Stack s) noexcept {
    if (free_.size() < kMaxCached) {
      free_.push_back(s);
    } else {
      Unmap(s);
    }
  }

 private:
  static void Unmap(Stack s) { ::munmap(s.mapping, Stack::MappedBytes()); }
  std::vector<Stack> free_;
};

thread_local StackCache stack_cache;
thread_local Fiber::State* current = nullptr;

// thread_local is reached only through these functions, opaque to the optimizer (noipa): a fiber may suspend
// on one thread and resume on another, and a compiler may keep a thread-local's address in a register across
// the switch.
[[gnu::noipa]] Fiber::State* Current() { return current; }
[[gnu::noipa]] void SetCurrent(Fiber::State* s) { current = s; }
[[gnu::noipa]] StackCache& Stacks() { return stack_cache; }

// The stack allocator given to Boost.Context (its StackAllocator concept). Resume takes the stack from the
// per-thread cache before it switches (mapping a new one may fail, and nothing may throw during a switch);
// allocate() hands that stack to Boost, and deallocate(), which Boost calls once the fiber's function has
// returned (on the stack of the thread that resumed it last), gives it to that thread's cache.
class CachedStack {
 public:
  explicit CachedStack(Stack stack) : stack_(stack) {}
  context::stack_context allocate() {
    context::stack_context sc;
    sc.size = Stack::Size();
    sc.sp = stack_.top();
    return sc;
  }
  void deallocate(context::stack_context&) noexcept { Stacks().Give(stack_); }

 private:
  Stack stack_;
};

}  // namespace

struct Fiber::State {
  std::function<void()> body;
  std::function<void()> schedule;
  // Boost.Context's handles: `self` is the fiber while it is suspended, `caller` the context that resumed it
  // while it runs. Each resume() consumes the handle it is called on and returns the other side's.
  context::fiber self;
  context::fiber caller;
  char* stack_bottom = nullptr;
  bool started = false;
  bool finished = false;
  std::atomic<bool> running{false};
  std::exception_ptr error;
  // ASan bookkeeping: the caller's stack (to switch back to) and each side's saved fake frames.
  const void* caller_bottom = nullptr;
  size_t caller_size = 0;
  void* caller_fake_stack = nullptr;
  void* fiber_fake_stack = nullptr;

  // Switches from the fiber back to the thread that resumed it; returns when resumed again.
  void SwitchToCaller() {
    StartSwitch(&fiber_fake_stack, caller_bottom, caller_size);
    caller = std::move(caller).resume();
    FinishSwitch(fiber_fake_stack, &caller_bottom, &caller_size);
  }
};

namespace {

// The fiber's function, on its own stack; returning `caller` switches back to it for good.
context::fiber Run(Fiber::State* s, context::fiber&& caller) {
  s->caller = std::move(caller);
  FinishSwitch(nullptr, &s->caller_bottom, &s->caller_size);
  try {
    s->body();
  } catch (...) {
    s->error = std::current_exception();
  }
  s->finished = true;
  StartSwitch(nullptr, s->caller_bottom, s->caller_size);  // this stack is left for good
  return std::move(s->caller);
}

}  // namespace

Fiber::Fiber(std::function<void()> body, std::function<void()> schedule) : state_(std::make_unique<State>()) {
  state_->body = std::move(body);
  state_->schedule = std::move(schedule);
}

Fiber::~Fiber() {
  if (state_->started && !state_->finished) Die("a suspended fiber was destroyed");
}

bool Fiber::finished() const { return state_->finished; }

bool Fiber::Resume() {
  State* s = state_.get();
  if (s->finished) Die("Resume of a finished fiber");
  if (s->running.exchange(true, std::memory_order_acquire)) Die("Resume of a running fiber");
  Stack stack;
  if (!s->started) {
    try {
      stack = Stacks().Take();
    } catch (...) {
      s->running.store(false, std::memory_order_release);
      throw;
    }
    s->stack_bottom = stack.bottom();
    UnpoisonStack(stack.bottom(), Stack::Size());
  }
  State* outer = Current();  // a fiber may resume another
  SetCurrent(s);
  StartSwitch(&s->caller_fake_stack, s->stack_bottom, Stack::Size());
  if (!s->started) {
    // Boost.Context's constructor enters the new stack (to set up its record there) and comes back at once:
    // inside this switch, as far as ASan is concerned.
    s->self = context::fiber(std::allocator_arg, CachedStack(stack),
                             [s](context::fiber&& caller) { return Run(s, std::move(caller)); });
    s->started = true;
  }
  s->self = std::move(s->self).resume();  // empty once the fiber has finished
  FinishSwitch(s->caller_fake_stack, nullptr, nullptr);
  SetCurrent(outer);
  const bool finished = s->finished;
  std::exception_ptr error = finished ? std::exchange(s->error, nullptr) : nullptr;
  s->running.store(false, std::memory_order_release);
  if (error) std::rethrow_exception(error);
  return finished;
}

bool OnFiber() { return Current() != nullptr; }

void Await(const std::function<void(Wake)>& start) {
  if (Fiber::State* s = Current()) {
    start([s] { s->schedule(); });
    s->SwitchToCaller();
    return;
  }
  struct Blocker {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
  };
  auto blocker = std::make_shared<Blocker>();
  start([blocker] {
    std::lock_guard lock(blocker->mu);
    blocker->woken = true;
    blocker->cv.notify_one();
  });
  std::unique_lock lock(blocker->mu);
  blocker->cv.wait(lock, [&] { return blocker->woken; });
}

}  // namespace anvil::fiber
