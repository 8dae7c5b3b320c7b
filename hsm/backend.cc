// The checks every backend shares: input limits, key-spec validation, the fault plan, versions.
#include "hsm/backend.h"

#include <algorithm>
#include <chrono>

#include "config/limits.h"
#include "hsm/errc.h"

namespace sy::hsm {
namespace {

error_code fail(errc e) {
  return make_error_code(e);
}

std::size_t total_size(std::span<const std::string_view> parts) {
  std::size_t n = 0;
  for (const auto p : parts) n += p.size();
  return n;
}

}  // namespace

#define SY_HSM_FAULT_POINT() \
  if (faults_.next()) return fail(errc::injected_failure)

result<key_info> backend::generate(key_spec spec) {
  SY_HSM_FAULT_POINT();
  auto normal = normalize(std::move(spec));
  if (!normal) return normal.error();
  return do_create(*normal, nullptr, true);
}

result<key_info> backend::rotate(std::string_view name) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(name)) return fail(errc::key_missing);
  auto active = do_describe({name, 0});
  if (!active) return active.error();
  const key_spec spec{active->name, active->type, active->algorithm, active->size};
  return do_create(spec, nullptr, false);
}

result<key_info> backend::import_clear(key_spec spec, bytes_view material) {
  SY_HSM_FAULT_POINT();
  if (spec.size == 0) spec.size = material.size();
  auto normal = normalize(std::move(spec));
  if (!normal) return normal.error();
  if (material.size() != normal->size) return fail(errc::bad_key_spec);
  const secure_bytes copy(material);
  return do_create(*normal, &copy, false);
}

result<key_info> backend::import_wrapped(key_spec spec, key_ref zmk, bytes_view wrapped,
                                         std::string_view kcv) {
  SY_HSM_FAULT_POINT();
  auto normal = normalize(std::move(spec));
  if (!normal) return normal.error();
  if (kcv.size() != 6 || wrapped.empty() || wrapped.size() > 2 * limits::hsm_key_size_max) {
    return fail(errc::bad_input);
  }
  return do_import_wrapped(*normal, zmk, wrapped, kcv);
}

result<void> backend::retire(std::string_view name, std::uint32_t version) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(name) || version == 0) return fail(errc::key_missing);
  return do_retire(name, version);
}

result<std::vector<key_info>> backend::list() {
  SY_HSM_FAULT_POINT();
  return do_list();
}

result<key_info> backend::describe(key_ref key) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(key.name)) return fail(errc::key_missing);
  return do_describe(key);
}

result<std::vector<std::uint32_t>> backend::versions(std::string_view name) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(name)) return fail(errc::key_missing);
  return do_versions(name);
}

result<digest> backend::hmac(key_ref key, key_type purpose,
                             std::span<const std::string_view> parts) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(key.name)) return fail(errc::key_missing);
  if (total_size(parts) > limits::hsm_hmac_input_size_max) return fail(errc::bad_input);
  return do_hmac(key, purpose, parts);
}

result<mac_value> backend::mac(key_ref key, bytes_view message) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(key.name)) return fail(errc::key_missing);
  if (message.size() > limits::hsm_mac_input_size_max) return fail(errc::bad_input);
  return do_mac(key, message);
}

result<pin_block> backend::translate_pin(key_ref from, pin_format from_format, key_ref to,
                                         pin_format to_format, const pin_block& block,
                                         std::string_view pan) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(from.name) || !is_key_name(to.name)) return fail(errc::key_missing);
  if (block.size != pin_block_size(from_format)) return fail(errc::bad_input);
  return do_translate_pin(from, from_format, to, to_format, block, pan);
}

result<std::vector<std::uint8_t>> backend::encrypt(key_ref key, bytes_view plaintext,
                                                   bytes_view aad) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(key.name)) return fail(errc::key_missing);
  if (plaintext.size() > limits::hsm_data_size_max || aad.size() > limits::hsm_aad_size_max) {
    return fail(errc::bad_input);
  }
  return do_encrypt(key, plaintext, aad);
}

result<secure_bytes> backend::decrypt(key_ref key, bytes_view sealed, bytes_view aad) {
  SY_HSM_FAULT_POINT();
  if (!is_key_name(key.name)) return fail(errc::key_missing);
  if (sealed.size() < gcm_nonce_size + gcm_tag_size ||
      sealed.size() > gcm_nonce_size + limits::hsm_data_size_max + gcm_tag_size ||
      aad.size() > limits::hsm_aad_size_max) {
    return fail(errc::bad_input);
  }
  return do_decrypt(key, sealed, aad);
}

#undef SY_HSM_FAULT_POINT

result<std::uint32_t> next_version(const key_spec& spec, std::span<const key_info> existing,
                                   bool must_be_new) {
  std::uint32_t newest = 0;
  for (const auto& k : existing) {
    if (k.type != spec.type || k.algorithm != spec.algorithm || must_be_new) {
      return fail(errc::key_exists);
    }
    newest = std::max(newest, k.version);
  }
  if (existing.size() >= limits::hsm_key_version_count_max) return fail(errc::version_limit);
  return newest + 1;
}

std::int64_t created_now_s() noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool format_fits(pin_format f, key_algorithm a) noexcept {
  return f == pin_format::iso0 ? a == key_algorithm::tdes
                               : a == key_algorithm::aes || a == key_algorithm::sm4;
}

}  // namespace sy::hsm
