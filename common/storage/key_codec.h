// Order-preserving tuple encoding for storage keys: the one place that decides
// how a key's bytes look on disk.
//
// Byte layout of a key holding the fields (f1, f2, ..., fn):
//
//   +---------+----------+----------+-----+----------+
//   | version | enc(f1)  | enc(f2)  | ... | enc(fn)  |
//   | 1 byte  |          |          |     |          |
//   +---------+----------+----------+-----+----------+
//
//   version    kKeyFormatVersion. A key written with another version is
//              rejected by KeyDecoder: the format never changes silently.
//   String     the bytes, each 0x00 written as 0x00 0xFF, then the
//              terminator 0x00 0x01. "a\0b" -> 61 00 FF 62 00 01.
//   U32        4 bytes, big-endian.
//   U64        8 bytes, big-endian.
//
// Fields carry no type tag: the reader decodes them in the order and with the
// types the writer used (the table's schema says which).
//
// Properties the storage layer relies on, for keys built with the same field
// types in the same order:
//   - comparing encoded keys bytewise (RocksDB's default comparator) orders
//     them as the tuples (f1, f2, ...) compare field by field, strings
//     compared as unsigned bytes;
//   - the encoding of the first k fields is a byte prefix of the encoding of
//     the whole key, so "every key whose first fields are (a, b)" is a prefix
//     scan over KeyEncoder().String(a).String(b).data().
//
// Thread-safety: none; each encoder or decoder belongs to one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace codi {

// The first byte of every key. Bump it (and migrate) when the layout changes.
inline constexpr uint8_t kKeyFormatVersion = 1;

// Builds one key. The version byte is written on construction. Each field
// method has an rvalue overload so a chain on a temporary ends in Finish():
//
//   std::string key = KeyEncoder().String(job_id).U32(doc).U64(turn).Finish();
//   KeyEncoder prefix;  prefix.String(job_id);  scan(prefix.data());
class KeyEncoder {
 public:
  KeyEncoder();

  KeyEncoder& String(std::string_view value) &;
  KeyEncoder& U32(uint32_t value) &;
  KeyEncoder& U64(uint64_t value) &;
  KeyEncoder&& String(std::string_view value) && { return std::move(String(value)); }
  KeyEncoder&& U32(uint32_t value) && { return std::move(U32(value)); }
  KeyEncoder&& U64(uint64_t value) && { return std::move(U64(value)); }

  // The key built so far; usable as a scan prefix.
  const std::string& data() const { return data_; }
  std::string Finish() && { return std::move(data_); }

 private:
  std::string data_;
};

// Reads the fields of a key back, in the order they were written. Every error
// (another version, truncated field, bad escape) is InvalidArgument naming the
// byte offset; after the first error every later call returns it again. Never
// reads past the input.
class KeyDecoder {
 public:
  // `key` must outlive the decoder.
  explicit KeyDecoder(std::string_view key);

  [[nodiscard]] absl::StatusOr<std::string> String();
  [[nodiscard]] absl::StatusOr<uint32_t> U32();
  [[nodiscard]] absl::StatusOr<uint64_t> U64();

  // True when the version was valid and every byte has been consumed; check it
  // after the last field to reject keys with trailing bytes.
  bool done() const { return status_.ok() && pos_ == key_.size(); }

 private:
  absl::StatusOr<uint64_t> FixedBigEndian(size_t width, const char* type);
  absl::Status Fail(std::string message);

  std::string_view key_;
  size_t pos_ = 0;
  absl::Status status_;  // first error, sticky
};

}  // namespace codi
