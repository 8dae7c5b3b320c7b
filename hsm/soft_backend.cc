// The soft backend: the key map in memory, every change written through to the key-store file.
#include "hsm/soft_backend.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "hsm/errc.h"

namespace sy::hsm {
namespace {

using detail::key_store_file;
using detail::stored_key;

error_code fail(errc e) {
  return make_error_code(e);
}

// New key material. DES keys get odd parity per byte, as every HSM and key ceremony expects.
result<secure_bytes> generate_material(const key_spec& spec) {
  secure_bytes material(spec.size);
  if (auto ec = primitives::random_bytes(material.span())) return ec;
  if (spec.algorithm == key_algorithm::tdes) {
    for (auto& b : material.span()) {
      const bool upper_even = __builtin_parity(static_cast<unsigned>(b & 0xfe)) == 0;
      b = static_cast<std::uint8_t>((b & 0xfe) | (upper_even ? 1 : 0));
    }
  }
  return material;
}

// The block cipher of a ZPK for pin_codec, over its clear material.
block_cipher soft_cipher(const stored_key& k) {
  return [&k](bool encrypt, bytes_view in, std::span<std::uint8_t> out) {
    return primitives::ecb(k.info.algorithm, k.material.view(), encrypt, in, out);
  };
}

}  // namespace

error_code soft_backend::create(const std::string& path, std::string_view master_secret) {
  auto key = key_store_file::derive_key(master_secret);
  if (!key) return key.error();
  detail::key_store_lock lock(path);
  if (!lock.locked()) return fail(errc::key_store_io);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return fail(errc::key_store_exists);
  return key_store_file::save(path, *key, {});
}

result<std::unique_ptr<soft_backend>> soft_backend::open(const std::string& path,
                                                         std::string_view master_secret) {
  auto key = key_store_file::derive_key(master_secret);
  if (!key) return key.error();
  auto keys = key_store_file::load(path, *key);
  if (!keys) return keys.error();
  std::unique_ptr<soft_backend> b(new soft_backend(path, std::move(*key)));
  b->install(std::move(*keys));
  return b;
}

std::unique_ptr<soft_backend> soft_backend::in_memory() {
  return std::unique_ptr<soft_backend>(new soft_backend({}, {}));
}

std::vector<stored_key> soft_backend::current_keys() const {
  std::vector<stored_key> out;
  std::shared_lock lock(keys_mutex_);
  for (const auto& [name, versions] : keys_)
    out.insert(out.end(), versions.begin(), versions.end());
  return out;
}

void soft_backend::install(std::vector<stored_key> keys) {
  key_map map;
  for (auto& k : keys) map[k.info.name].push_back(std::move(k));
  for (auto& [name, versions] : map) {
    std::sort(versions.begin(), versions.end(), [](const stored_key& a, const stored_key& b) {
      return a.info.version < b.info.version;
    });
    for (auto& v : versions) v.info.active = &v == &versions.back();
  }
  std::unique_lock lock(keys_mutex_);
  keys_.swap(map);
}

template <class Change>
error_code soft_backend::modify(Change change) {
  std::lock_guard manage(manage_mutex_);
  if (path_.empty()) {  // in memory: nothing to re-read or save
    auto keys = current_keys();
    if (auto ec = change(keys)) return ec;
    install(std::move(keys));
    return {};
  }
  detail::key_store_lock lock(path_);
  if (!lock.locked()) return fail(errc::key_store_io);
  // Another process (a `switchyard keys` command) may have changed the file since it was read.
  auto keys = key_store_file::load(path_, file_key_);
  if (!keys) return keys.error();
  if (auto ec = change(*keys)) return ec;
  if (auto ec = key_store_file::save(path_, file_key_, *keys)) return ec;
  install(std::move(*keys));
  return {};
}

result<key_info> soft_backend::do_create(const key_spec& spec, const secure_bytes* material,
                                         bool must_be_new) {
  key_info created;
  const auto ec = modify([&](std::vector<stored_key>& keys) -> error_code {
    std::vector<key_info> existing;
    for (const auto& k : keys) {
      if (k.info.name == spec.name) existing.push_back(k.info);
    }
    auto version = next_version(spec, existing, must_be_new);
    if (!version) return version.error();
    stored_key k;
    if (material != nullptr) {
      k.material = *material;
    } else {
      auto generated = generate_material(spec);
      if (!generated) return generated.error();
      k.material = std::move(*generated);
    }
    auto check = primitives::kcv(spec.algorithm, k.material.view());
    if (!check) return check.error();
    k.info = {spec.name, *version, spec.type,       spec.algorithm,
              spec.size, *check,   created_now_s(), true};
    created = k.info;
    keys.push_back(std::move(k));
    return {};
  });
  if (ec) return ec;
  return created;
}

result<key_info> soft_backend::do_import_wrapped(const key_spec& spec, key_ref zmk,
                                                 bytes_view wrapped, std::string_view kcv) {
  secure_bytes clear;
  {
    std::shared_lock lock(keys_mutex_);
    auto k = find(zmk, key_type::zmk);
    if (!k) return k.error();
    auto unwrapped = primitives::unwrap((*k)->info.algorithm, (*k)->material.view(), wrapped);
    if (!unwrapped) return unwrapped.error();
    clear = std::move(*unwrapped);
  }
  if (clear.size() != spec.size) return fail(errc::bad_input);
  auto check = primitives::kcv(spec.algorithm, clear.view());
  if (!check) return check.error();
  if (!same_kcv(*check, kcv)) return fail(errc::bad_kcv);
  return do_create(spec, &clear, false);
}

result<void> soft_backend::do_retire(std::string_view name, std::uint32_t version) {
  const auto ec = modify([&](std::vector<stored_key>& keys) -> error_code {
    std::uint32_t newest = 0;
    auto victim = keys.end();
    for (auto it = keys.begin(); it != keys.end(); ++it) {
      if (it->info.name != name) continue;
      newest = std::max(newest, it->info.version);
      if (it->info.version == version) victim = it;
    }
    if (victim == keys.end()) return fail(errc::key_missing);
    if (version == newest) return fail(errc::active_version);
    keys.erase(victim);  // secure_bytes wipes the material
    return {};
  });
  if (ec) return ec;
  return {};
}

result<std::vector<key_info>> soft_backend::do_list() {
  std::shared_lock lock(keys_mutex_);
  std::vector<key_info> out;
  for (const auto& [name, versions] : keys_) {
    for (const auto& v : versions) out.push_back(v.info);
  }
  return out;
}

result<key_info> soft_backend::do_describe(key_ref key) {
  std::shared_lock lock(keys_mutex_);
  const auto it = keys_.find(key.name);
  if (it == keys_.end()) return fail(errc::key_missing);
  auto k = find(key, it->second.back().info.type);
  if (!k) return k.error();
  return (*k)->info;
}

result<std::vector<std::uint32_t>> soft_backend::do_versions(std::string_view name) {
  std::shared_lock lock(keys_mutex_);
  const auto it = keys_.find(name);
  if (it == keys_.end()) return fail(errc::key_missing);
  std::vector<std::uint32_t> out;
  for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) out.push_back(v->info.version);
  return out;
}

result<const stored_key*> soft_backend::find(key_ref key, key_type type) const {
  const auto it = keys_.find(key.name);
  if (it == keys_.end()) return fail(errc::key_missing);
  const auto& versions = it->second;
  const stored_key* k = nullptr;
  if (key.version == 0) {
    k = &versions.back();
  } else {
    for (const auto& v : versions) {
      if (v.info.version == key.version) k = &v;
    }
  }
  if (k == nullptr) return fail(errc::key_missing);
  if (k->info.type != type) return fail(errc::wrong_key_type);
  return k;
}

result<digest> soft_backend::do_hmac(key_ref key, key_type purpose,
                                     std::span<const std::string_view> parts) {
  std::shared_lock lock(keys_mutex_);
  auto k = find(key, purpose);
  if (!k) return k.error();
  return primitives::hmac((*k)->info.algorithm, (*k)->material.view(), parts);
}

result<mac_value> soft_backend::do_mac(key_ref key, bytes_view message) {
  std::shared_lock lock(keys_mutex_);
  auto k = find(key, key_type::tak);
  if (!k) return k.error();
  return primitives::message_mac((*k)->info.algorithm, (*k)->material.view(), message);
}

result<pin_block> soft_backend::do_translate_pin(key_ref from, pin_format from_format, key_ref to,
                                                 pin_format to_format, const pin_block& block,
                                                 std::string_view pan) {
  std::shared_lock lock(keys_mutex_);
  auto in = find(from, key_type::zpk);
  if (!in) return in.error();
  auto out = find(to, key_type::zpk);
  if (!out) return out.error();
  if (!format_fits(from_format, (*in)->info.algorithm) ||
      !format_fits(to_format, (*out)->info.algorithm)) {
    return fail(errc::wrong_key_type);
  }
  // The clear PIN exists only here, in `pin`, which wipes itself on every path out.
  clear_pin pin;
  if (auto ec = pin_codec::decipher(from_format, soft_cipher(**in), block, pan, pin)) return ec;
  return pin_codec::encipher(to_format, soft_cipher(**out), pin, pan);
}

result<std::vector<std::uint8_t>> soft_backend::do_encrypt(key_ref key, bytes_view plaintext,
                                                           bytes_view aad) {
  std::shared_lock lock(keys_mutex_);
  auto k = find(key, key_type::pan_data);
  if (!k) return k.error();
  return primitives::gcm_seal((*k)->material.view(), plaintext, aad);
}

result<secure_bytes> soft_backend::do_decrypt(key_ref key, bytes_view sealed, bytes_view aad) {
  std::shared_lock lock(keys_mutex_);
  auto k = find(key, key_type::pan_data);
  if (!k) return k.error();
  return primitives::gcm_open((*k)->material.view(), sealed, aad);
}

}  // namespace sy::hsm
