// QR codes for the console's enrollment page (docs/console.md): an enrollment token's command line, for a device
// to scan. libqrencode makes the symbol; this file draws it as SVG.
// Thread-safe (libqrencode is built with pthread support on Debian).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace anvil::console {

// The longest text QrCodeSvg takes: a version 40 symbol at error correction M holds 2331 bytes.
inline constexpr size_t kMaxQrText = 2000;

// `text` (bytes, in QR's 8-bit mode, error correction M) as an SVG image: one path of the dark modules on a white
// square with the 4-module quiet zone, scaled by the viewer. kInvalidArgument when the text is empty, longer than
// kMaxQrText, or holds a NUL byte.
Result<std::string> QrCodeSvg(std::string_view text);

}  // namespace anvil::console
