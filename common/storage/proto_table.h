// A typed table over a KvStore: values are serialized protobuf messages of one
// type M, keys are bytes (build them with KeyEncoder). The typed layer over
// the byte store, as Ray's GcsTable<Key, Data> sits on StoreClient.
//
//   ProtoTable<codi::v1::Turn> turns(store, "turns");
//   WriteBatch batch;
//   turns.Put(batch, KeyEncoder().String(job).U64(index).Finish(), turn);
//   CODI_RETURN_IF_ERROR(store->Write(batch));
//
// Writes only add ops to a batch, so a caller groups changes to several
// tables into one atomic Write. A value that does not parse as M is DataLoss
// naming the table and the key in hex.
//
// Thread-safety: as the KvStore; a ProtoTable holds no mutable state.
// Ownership: does not own the store, which must outlive it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/kv_store.h"

namespace codi {

// DataLoss for a value of `table` at `key` that does not parse as `type_name`.
absl::Status CorruptValueError(std::string_view table, std::string_view key,
                               std::string_view type_name, size_t value_size);

template <typename M>
class ProtoTable {
 public:
  using Visitor = std::function<bool(std::string_view key, const M& value)>;

  ProtoTable(KvStore* store, std::string table) : store_(store), table_(std::move(table)) {}

  const std::string& table() const { return table_; }

  // std::nullopt when the key is absent.
  [[nodiscard]] absl::StatusOr<std::optional<M>> Get(std::string_view key) const {
    absl::StatusOr<std::optional<std::string>> bytes = store_->Get(table_, key);
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::nullopt;
    M message;
    if (!message.ParseFromString(**bytes)) {
      return CorruptValueError(table_, key, message.GetTypeName(), (*bytes)->size());
    }
    return message;
  }

  void Put(WriteBatch& batch, std::string key, const M& value) const {
    batch.Put(table_, std::move(key), value.SerializeAsString());
  }

  void Delete(WriteBatch& batch, std::string key) const { batch.Delete(table_, std::move(key)); }

  // KvStore::Scan with each value parsed. Stops at the first value that does
  // not parse and returns DataLoss for it.
  [[nodiscard]] absl::Status Scan(std::string_view prefix, std::string_view start,
                                  const Visitor& visit, size_t limit = 0) const {
    absl::Status corrupt;
    M message;
    absl::Status s = store_->Scan(
        table_, prefix, start,
        [&](std::string_view key, std::string_view value) {
          if (!message.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            corrupt = CorruptValueError(table_, key, message.GetTypeName(), value.size());
            return false;
          }
          return visit(key, message);
        },
        limit);
    if (!s.ok()) return s;
    return corrupt;
  }

 private:
  KvStore* store_;
  std::string table_;
};

}  // namespace codi
