#include "crypto/ossl_handles.h"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <array>
#include <cstdint>

namespace anvil::crypto::internal {

std::string DrainErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    std::array<char, 256> buf{};
    ERR_error_string_n(e, buf.data(), buf.size());
    if (!out.empty()) out += "; ";
    out += buf.data();
  }
  return out;
}

Status ErrorWithOpenSsl(Code code, std::string message) {
  std::string detail = DrainErrors();
  if (!detail.empty()) message += ": " + detail;
  return Status(code, std::move(message));
}

BioPtr MemBioFrom(std::string_view data) {
  // BIO_new_mem_buf takes an int length; larger inputs cannot be PEM/DER we accept anyway.
  if (data.size() > static_cast<size_t>(INT32_MAX)) return nullptr;
  // A default-constructed string_view has a null data pointer, which BIO_new_mem_buf refuses.
  return BioPtr(BIO_new_mem_buf(data.empty() ? "" : data.data(), static_cast<int>(data.size())));
}

std::string MemBioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem == nullptr || mem->data == nullptr) return {};
  return std::string(mem->data, mem->length);
}

Asn1ObjectPtr ObjectFromDottedOid(std::string_view oid) {
  std::string s(oid);
  if (s.empty() || s.find_first_not_of("0123456789.") != std::string::npos) return nullptr;
  return Asn1ObjectPtr(OBJ_txt2obj(s.c_str(), /*no_name=*/1));
}

std::string DottedOid(const ASN1_OBJECT* obj) {
  std::array<char, 128> buf{};
  int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, /*no_name=*/1);
  if (n <= 0) return {};
  if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
  // Longer than the buffer: ask again with the right size.
  std::string out(static_cast<size_t>(n) + 1, '\0');
  OBJ_obj2txt(out.data(), n + 1, obj, 1);
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace anvil::crypto::internal
