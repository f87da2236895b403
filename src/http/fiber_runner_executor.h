// The asio side of http::FiberRunner (fiber_runner.h), for code that starts its own asio I/O from a runner's
// fiber and waits for it with fiber::Await (anvil-bench's HTTP client and sleeper).
#pragma once

#include <boost/asio/any_io_executor.hpp>

namespace anvil::http {

// The strand of the FiberRunner fiber running on this thread, or null off such a fiber. I/O objects made on
// it complete on the runner's threads, never concurrently with the fiber. Read it once, before a wait: after
// the wait the fiber may run on another thread (base/fiber.h).
const boost::asio::any_io_executor* CurrentFiberExecutor();

}  // namespace anvil::http
