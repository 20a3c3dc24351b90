// Fuzzes the storage key codec (common/storage/key_codec.h). Keys come back
// from RocksDB, where a damaged or foreign database can put any bytes, so the
// decoder must turn any input into fields or a clear error without reading
// past it. The first input byte is a schema: up to four 2-bit field types
// (0 string, 1 U32, 2 U64, 3 end). Checked:
//  - decoding the rest: a key that decodes whole re-encodes to the same bytes
//    (one encoding per tuple), an error is sticky and names a byte;
//  - encoding tuples built from the rest: they decode back unchanged, and
//    two keys compare bytewise as their tuples compare field by field.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/storage/key_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

enum class Field { kString = 0, kU32 = 1, kU64 = 2 };
using Value = std::variant<std::string, uint32_t, uint64_t>;

std::vector<Field> Schema(uint8_t byte) {
  std::vector<Field> fields;
  for (int i = 0; i < 4; ++i) {
    const int code = (byte >> (2 * i)) & 3;
    if (code == 3) break;
    fields.push_back(static_cast<Field>(code));
  }
  return fields;
}

void CheckDecode(const std::vector<Field>& schema, std::string_view key) {
  codi::KeyDecoder decoder(key);
  codi::KeyEncoder encoder;
  for (Field field : schema) {
    absl::Status status;
    switch (field) {
      case Field::kString: {
        absl::StatusOr<std::string> s = decoder.String();
        status = s.status();
        if (s.ok()) encoder.String(*s);
        break;
      }
      case Field::kU32: {
        absl::StatusOr<uint32_t> v = decoder.U32();
        status = v.status();
        if (v.ok()) encoder.U32(*v);
        break;
      }
      case Field::kU64: {
        absl::StatusOr<uint64_t> v = decoder.U64();
        status = v.status();
        if (v.ok()) encoder.U64(*v);
        break;
      }
    }
    if (!status.ok()) {
      FUZZ_CHECK_CLEAR_ERROR(status);
      FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, "code %d",
                 static_cast<int>(status.code()));
      const absl::Status again = decoder.U32().status();
      FUZZ_CHECK(again == status, "error not sticky: %s then %s",
                 std::string(status.message()).c_str(), std::string(again.message()).c_str());
      FUZZ_CHECK(!decoder.done(), "done() after an error");
      return;
    }
  }
  if (decoder.done()) {
    FUZZ_CHECK(encoder.data() == key, "a decoded key re-encodes to other bytes");
  }
}

// Reads values for `schema` from `in`, advancing it; short input gives zeros.
std::vector<Value> Values(const std::vector<Field>& schema, std::string_view* in) {
  auto take = [in](size_t n) {
    std::string_view part = in->substr(0, n);
    in->remove_prefix(part.size());
    return part;
  };
  std::vector<Value> values;
  for (Field field : schema) {
    switch (field) {
      case Field::kString: {
        std::string_view length = take(1);
        values.emplace_back(std::string(take(length.empty() ? 0 : length[0] % 16)));
        break;
      }
      case Field::kU32:
      case Field::kU64: {
        const size_t width = field == Field::kU32 ? 4 : 8;
        uint64_t v = 0;
        for (char c : take(width)) v = (v << 8) | static_cast<uint8_t>(c);
        if (field == Field::kU32) {
          values.emplace_back(static_cast<uint32_t>(v));
        } else {
          values.emplace_back(v);
        }
        break;
      }
    }
  }
  return values;
}

std::string Encode(const std::vector<Value>& values) {
  codi::KeyEncoder encoder;
  for (const Value& v : values) {
    if (const auto* s = std::get_if<std::string>(&v)) encoder.String(*s);
    if (const auto* u = std::get_if<uint32_t>(&v)) encoder.U32(*u);
    if (const auto* u = std::get_if<uint64_t>(&v)) encoder.U64(*u);
  }
  return std::move(encoder).Finish();
}

void CheckEncodeDecode(const std::vector<Value>& values, const std::string& key) {
  codi::KeyDecoder decoder(key);
  for (const Value& v : values) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      absl::StatusOr<std::string> got = decoder.String();
      FUZZ_CHECK(got.ok() && *got == *s, "string field does not decode back");
    } else if (const auto* u = std::get_if<uint32_t>(&v)) {
      absl::StatusOr<uint32_t> got = decoder.U32();
      FUZZ_CHECK(got.ok() && *got == *u, "U32 field does not decode back");
    } else {
      absl::StatusOr<uint64_t> got = decoder.U64();
      FUZZ_CHECK(got.ok() && *got == std::get<uint64_t>(v), "U64 field does not decode back");
    }
  }
  FUZZ_CHECK(decoder.done(), "an encoded key has bytes left after its fields");
}

int Sign(int c) { return (c > 0) - (c < 0); }

// Tuples compare field by field, strings as unsigned bytes.
int CompareTuples(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (const auto* s = std::get_if<std::string>(&a[i])) {
      const std::string& t = std::get<std::string>(b[i]);
      const int c = std::memcmp(s->data(), t.data(), std::min(s->size(), t.size()));
      if (c != 0) return Sign(c);
      if (s->size() != t.size()) return s->size() < t.size() ? -1 : 1;
    } else if (a[i] != b[i]) {
      return a[i] < b[i] ? -1 : 1;
    }
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    CheckDecode({}, {});
    return 0;
  }
  const std::vector<Field> schema = Schema(data[0]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  CheckDecode(schema, rest);

  const std::vector<Value> a = Values(schema, &rest);
  const std::vector<Value> b = Values(schema, &rest);
  const std::string key_a = Encode(a);
  const std::string key_b = Encode(b);
  CheckEncodeDecode(a, key_a);
  CheckEncodeDecode(b, key_b);
  const int bytewise = Sign(key_a.compare(key_b));
  FUZZ_CHECK(bytewise == CompareTuples(a, b), "keys order %d, tuples order %d", bytewise,
             CompareTuples(a, b));
  return 0;
}
