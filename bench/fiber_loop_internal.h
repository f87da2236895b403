// For the implementation files of anvil-bench only: the strand of the FiberLoop fiber running on this thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>

namespace anvil::bench::internal {

// The running FiberLoop fiber's strand, or null off such a fiber. Read it once, before a wait: after the wait
// the fiber may run on another thread (base/fiber.h).
const boost::asio::any_io_executor* CurrentStrand();

}  // namespace anvil::bench::internal
