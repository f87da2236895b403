#include "console/qr_code.h"

#include <qrencode.h>

#include <memory>

namespace anvil::console {

Result<std::string> QrCodeSvg(std::string_view text) {
  if (text.empty() || text.size() > kMaxQrText || text.find('\0') != std::string_view::npos) {
    return Error(Code::kInvalidArgument, "a QR code holds 1 to " + std::to_string(kMaxQrText) +
                                             " bytes of text without NUL, not " + std::to_string(text.size()));
  }
  const std::string nul_terminated(text);
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString8bit(nul_terminated.c_str(), 0, QR_ECLEVEL_M),
                                                  QRcode_free);
  if (!code) return Error(Code::kInvalidArgument, "the text does not fit a QR code");
  constexpr int kQuiet = 4;
  const int width = code->width;
  const int size = width + 2 * kQuiet;
  std::string path;
  for (int y = 0; y < width; ++y) {
    // Runs of dark modules on a row, each one horizontal segment of height 1.
    for (int x = 0; x < width;) {
      if ((code->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int end = x;
      while (end < width && (code->data[y * width + end] & 1) != 0) ++end;
      path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h" + std::to_string(end - x) +
              "v1h-" + std::to_string(end - x) + "z";
      x = end;
    }
  }
  const std::string s = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s +
         "\" shape-rendering=\"crispEdges\" role=\"img\"><rect width=\"" + s + "\" height=\"" + s +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>\n";
}

}  // namespace anvil::console
