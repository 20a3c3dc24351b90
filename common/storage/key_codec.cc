#include "common/storage/key_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace codi {
namespace {

constexpr char kEscape = '\x00';
constexpr char kEscapedZero = '\xFF';  // 0x00 0xFF: a 0x00 byte inside a string
constexpr char kTerminator = '\x01';   // 0x00 0x01: end of a string

}  // namespace

KeyEncoder::KeyEncoder() { data_.push_back(static_cast<char>(kKeyFormatVersion)); }

KeyEncoder& KeyEncoder::String(std::string_view value) & {
  data_.reserve(data_.size() + value.size() + 2);
  for (char c : value) {
    data_.push_back(c);
    if (c == kEscape) data_.push_back(kEscapedZero);
  }
  data_.push_back(kEscape);
  data_.push_back(kTerminator);
  return *this;
}

KeyEncoder& KeyEncoder::U32(uint32_t value) & {
  for (int shift = 24; shift >= 0; shift -= 8) {
    data_.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
  return *this;
}

KeyEncoder& KeyEncoder::U64(uint64_t value) & {
  for (int shift = 56; shift >= 0; shift -= 8) {
    data_.push_back(static_cast<char>((value >> shift) & 0xFF));
  }
  return *this;
}

KeyDecoder::KeyDecoder(std::string_view key) : key_(key) {
  if (key_.empty()) {
    status_ = absl::InvalidArgumentError("key is empty: no version byte");
    return;
  }
  const auto version = static_cast<uint8_t>(key_[0]);
  if (version != kKeyFormatVersion) {
    status_ = absl::InvalidArgumentError(absl::StrCat("key has format version ", int{version},
                                                      ", this build reads version ",
                                                      int{kKeyFormatVersion}));
    return;
  }
  pos_ = 1;
}

absl::Status KeyDecoder::Fail(std::string message) {
  status_ = absl::InvalidArgumentError(std::move(message));
  return status_;
}

absl::StatusOr<std::string> KeyDecoder::String() {
  if (!status_.ok()) return status_;
  const size_t start = pos_;
  std::string out;
  size_t i = pos_;
  while (i < key_.size()) {
    const char c = key_[i];
    if (c != kEscape) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= key_.size()) break;  // truncated inside an escape
    const char next = key_[i + 1];
    if (next == kTerminator) {
      pos_ = i + 2;
      return out;
    }
    if (next != kEscapedZero) {
      return Fail(absl::StrCat("key string field at byte ", i, ": invalid escape 0x00 0x",
                               absl::Hex(static_cast<uint8_t>(next), absl::kZeroPad2)));
    }
    out.push_back('\0');
    i += 2;
  }
  return Fail(
      absl::StrCat("key string field at byte ", start, ": truncated, no 0x00 0x01 terminator"));
}

absl::StatusOr<uint64_t> KeyDecoder::FixedBigEndian(size_t width, const char* type) {
  if (!status_.ok()) return status_;
  if (key_.size() - pos_ < width) {
    return Fail(absl::StrCat("key ", type, " field at byte ", pos_, ": truncated, needs ", width,
                             " bytes, ", key_.size() - pos_, " left"));
  }
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<uint8_t>(key_[pos_ + i]);
  }
  pos_ += width;
  return value;
}

absl::StatusOr<uint32_t> KeyDecoder::U32() {
  absl::StatusOr<uint64_t> value = FixedBigEndian(4, "U32");
  if (!value.ok()) return value.status();
  return static_cast<uint32_t>(*value);
}

absl::StatusOr<uint64_t> KeyDecoder::U64() { return FixedBigEndian(8, "U64"); }

}  // namespace codi
