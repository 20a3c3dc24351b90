// An in-memory KvStore for unit tests of the code above the storage seam (the
// scheduler, the lease table). It follows the KvStore contract except
// durability: everything is lost when the store is destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/storage/kv_store.h"

namespace codi {

// A store holding `tables` (duplicates are ignored). Thread-safe.
std::unique_ptr<KvStore> NewMemoryStore(const std::vector<std::string>& tables);

}  // namespace codi
