// The PKCS#11 backend. Key objects carry the Switchyard name in CKA_LABEL and
// "sy1/<version>/<type>/<algorithm>/<size>/<created>/<part>" in CKA_ID; objects without that ID
// are not ours and are left alone. A 3DES TAK K || K' is two 2-key 3DES objects: part 1 holds
// K || K (EDE under it is single DES under K, which ISO 9797-1 algorithm 3 needs for all but the
// last block, and which SoftHSM2 on OpenSSL 3 cannot do as CKM_DES_*), part 2 holds K || K'.
#include <p11-kit/pkcs11.h>
// (pkcs11.h first: its compatibility macros are undefined again at its end.)
#include "hsm/pkcs11_backend.h"

#include <dlfcn.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "config/limits.h"
#include "hsm/errc.h"

namespace sy::hsm {
namespace detail {
namespace {

error_code fail(errc e) {
  return make_error_code(e);
}

error_code check(CK_RV rv) {
  return rv == CKR_OK ? error_code{} : make_pkcs11_error(rv);
}

}  // namespace

// A key version in the token: its description and its object handles (two for a 3DES TAK).
struct token_key {
  key_info info;
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE part2 = CK_INVALID_HANDLE;
};

namespace {

bool split_tak(const key_info& k) {
  return k.type == key_type::tak && k.algorithm == key_algorithm::tdes;
}

std::string object_id(const key_info& k, int part) {
  return "sy1/" + std::to_string(k.version) + "/" + std::to_string(static_cast<int>(k.type)) + "/" +
         std::to_string(static_cast<int>(k.algorithm)) + "/" + std::to_string(k.size) + "/" +
         std::to_string(k.created_s) + "/" + std::to_string(part);
}

// Parses object_id(); false for objects that are not Switchyard keys.
bool parse_object_id(std::string_view id, key_info& k, int& part) {
  if (!id.starts_with("sy1/")) return false;
  id.remove_prefix(4);
  std::int64_t fields[6] = {};
  for (int i = 0; i < 6; ++i) {
    const auto slash = id.find('/');
    const std::string_view field = id.substr(0, slash);
    if (field.empty() || field.size() > 19) return false;
    std::int64_t v = 0;
    for (const char c : field) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    fields[i] = v;
    if (i < 5 && slash == std::string_view::npos) return false;
    id = slash == std::string_view::npos ? std::string_view{} : id.substr(slash + 1);
  }
  k.version = static_cast<std::uint32_t>(fields[0]);
  k.type = static_cast<key_type>(fields[1]);
  k.algorithm = static_cast<key_algorithm>(fields[2]);
  k.size = static_cast<std::size_t>(fields[3]);
  k.created_s = fields[4];
  part = static_cast<int>(fields[5]);
  return k.version > 0 && key_type_from_string(to_string(k.type)) &&
         key_algorithm_from_string(to_string(k.algorithm)) && (part == 1 || part == 2);
}

}  // namespace

// The module, the logged-in sessions and the index of Switchyard keys.
class pkcs11_token {
 public:
  pkcs11_token() = default;
  pkcs11_token(const pkcs11_token&) = delete;
  pkcs11_token& operator=(const pkcs11_token&) = delete;
  ~pkcs11_token();

  error_code load(const config::pkcs11_settings& settings);

  // A session borrowed from the pool for one operation; returned when destroyed.
  class session {
   public:
    session(pkcs11_token& t) : token_(t), handle_(t.acquire()) {}
    ~session() { token_.release(handle_); }
    session(const session&) = delete;
    session& operator=(const session&) = delete;
    CK_SESSION_HANDLE handle() const noexcept { return handle_; }

   private:
    pkcs11_token& token_;
    CK_SESSION_HANDLE handle_;
  };

  CK_FUNCTION_LIST* f = nullptr;
  std::mutex manage_mutex;
  mutable std::shared_mutex index_mutex;
  std::map<std::string, std::vector<token_key>, std::less<>> index;  // versions ascending

  error_code rebuild_index();
  result<const token_key*> find(key_ref key, key_type type) const;

  // One-shot C_Encrypt / C_Decrypt of `in` into `out` (same size for ECB and CBC).
  // `parameter`: the mechanism's parameter (an IV, CK_GCM_PARAMS), or null.
  error_code crypt(CK_MECHANISM_TYPE mechanism, CK_OBJECT_HANDLE key, bool encrypt, bytes_view in,
                   std::span<std::uint8_t> out, void* parameter = nullptr,
                   CK_ULONG parameter_size = 0, std::size_t* written = nullptr);
  error_code kcv(token_key& k);
  error_code block(const token_key& k, bool encrypt, bytes_view in, std::span<std::uint8_t> out);
  result<mac_value> retail_mac(const token_key& k, bytes_view message);
  result<digest> hmac(CK_OBJECT_HANDLE key, std::span<const std::string_view> parts);
  result<std::array<std::uint8_t, 16>> cmac(CK_OBJECT_HANDLE key, bytes_view data);
  error_code destroy(const token_key& k);
  result<token_key> create(const key_info& info, const secure_bytes* material);
  result<token_key> create_split_tak(const key_info& info, const secure_bytes* material);
  // RFC 3394 unwrap under an AES ZMK into a new object. Errors: unsupported_algorithm (a 3DES
  // TAK, which must be two objects), verification_failed, device errors.
  result<token_key> unwrap(const key_info& info, CK_OBJECT_HANDLE zmk, bytes_view wrapped);

 private:
  CK_SESSION_HANDLE acquire();
  void release(CK_SESSION_HANDLE h);
  error_code find_slot(const config::pkcs11_settings& settings, CK_SLOT_ID& slot);

  void* module_ = nullptr;
  bool initialized_ = false;
  std::mutex pool_mutex_;
  std::condition_variable pool_ready_;
  std::vector<CK_SESSION_HANDLE> free_;
  std::vector<CK_SESSION_HANDLE> all_;
};

pkcs11_token::~pkcs11_token() {
  if (f != nullptr) {
    for (const auto h : all_) f->C_CloseSession(h);
    if (initialized_) f->C_Finalize(nullptr);
  }
  if (module_ != nullptr) ::dlclose(module_);
}

error_code pkcs11_token::find_slot(const config::pkcs11_settings& settings, CK_SLOT_ID& slot) {
  CK_ULONG count = 0;
  if (auto ec = check(f->C_GetSlotList(CK_TRUE, nullptr, &count))) return ec;
  std::vector<CK_SLOT_ID> slots(count);
  if (auto ec = check(f->C_GetSlotList(CK_TRUE, slots.data(), &count))) return ec;
  slots.resize(count);
  for (const auto s : slots) {
    if (settings.slot) {
      if (s == static_cast<CK_SLOT_ID>(*settings.slot)) {
        slot = s;
        return {};
      }
      continue;
    }
    CK_TOKEN_INFO info{};
    if (f->C_GetTokenInfo(s, &info) != CKR_OK) continue;
    // The label is 32 bytes padded with blanks.
    std::string_view label(reinterpret_cast<const char*>(info.label), sizeof info.label);
    while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.remove_suffix(1);
    if ((info.flags & CKF_TOKEN_INITIALIZED) != 0 && label == settings.token_label) {
      slot = s;
      return {};
    }
  }
  return fail(errc::token_missing);
}

error_code pkcs11_token::load(const config::pkcs11_settings& settings) {
  module_ = ::dlopen(settings.module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (module_ == nullptr) return fail(errc::key_store_missing);
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(module_, "C_GetFunctionList"));
  if (get_list == nullptr) return fail(errc::key_store_missing);
  if (auto ec = check(get_list(&f))) return ec;
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;  // sessions are used from several threads
  const CK_RV init = f->C_Initialize(&args);
  if (init != CKR_OK && init != CKR_CRYPTOKI_ALREADY_INITIALIZED) return check(init);
  initialized_ = init == CKR_OK;
  CK_SLOT_ID slot = 0;
  if (auto ec = find_slot(settings, slot)) return ec;
  for (std::size_t i = 0; i < limits::hsm_pkcs11_session_count_max; ++i) {
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    if (auto ec = check(
            f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h))) {
      return ec;
    }
    all_.push_back(h);
  }
  free_ = all_;
  // Login is per token and application: one login serves every session.
  std::string pin(settings.pin.value());
  const CK_RV login =
      f->C_Login(all_.front(), CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size());
  OPENSSL_cleanse(pin.data(), pin.size());
  if (login != CKR_OK && login != CKR_USER_ALREADY_LOGGED_IN) return check(login);
  return rebuild_index();
}

CK_SESSION_HANDLE pkcs11_token::acquire() {
  std::unique_lock lock(pool_mutex_);
  pool_ready_.wait(lock, [this] { return !free_.empty(); });
  const auto h = free_.back();
  free_.pop_back();
  return h;
}

void pkcs11_token::release(CK_SESSION_HANDLE h) {
  {
    std::lock_guard lock(pool_mutex_);
    free_.push_back(h);
  }
  pool_ready_.notify_one();
}

error_code pkcs11_token::rebuild_index() {
  session s(*this);
  CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
  CK_ATTRIBUTE find_template[] = {{CKA_CLASS, &secret_class, sizeof secret_class}};
  if (auto ec = check(f->C_FindObjectsInit(s.handle(), find_template, 1))) return ec;
  std::vector<CK_OBJECT_HANDLE> handles;
  CK_OBJECT_HANDLE batch[64];
  CK_ULONG n = 0;
  error_code ec;
  while (!(ec = check(f->C_FindObjects(s.handle(), batch, 64, &n))) && n > 0) {
    handles.insert(handles.end(), batch, batch + n);
  }
  f->C_FindObjectsFinal(s.handle());
  if (ec) return ec;
  std::map<std::string, std::vector<token_key>, std::less<>> built;
  std::map<std::pair<std::string, std::uint32_t>, CK_OBJECT_HANDLE> second_parts;
  for (const auto h : handles) {
    char label[limits::hsm_key_name_size_max + 1] = {};
    char id[128] = {};
    CK_ATTRIBUTE attrs[] = {{CKA_LABEL, label, sizeof label - 1}, {CKA_ID, id, sizeof id - 1}};
    if (f->C_GetAttributeValue(s.handle(), h, attrs, 2) != CKR_OK) continue;  // not ours
    token_key k;
    int part = 0;
    k.info.name.assign(label, attrs[0].ulValueLen);
    if (!is_key_name(k.info.name) ||
        !parse_object_id(std::string_view(id, attrs[1].ulValueLen), k.info, part)) {
      continue;
    }
    if (part == 2) {
      second_parts[{k.info.name, k.info.version}] = h;
      continue;
    }
    k.handle = h;
    built[k.info.name].push_back(k);
  }
  for (auto& [name, versions] : built) {
    for (auto& k : versions) {
      if (split_tak(k.info)) {
        const auto it = second_parts.find({name, k.info.version});
        if (it == second_parts.end()) continue;  // half a key: never usable
        k.part2 = it->second;
      }
      if (auto kcv_error = kcv(k)) k.info.kcv = "------";
    }
    std::erase_if(versions, [](const token_key& k) {
      return split_tak(k.info) && k.part2 == CK_INVALID_HANDLE;
    });
    std::sort(versions.begin(), versions.end(), [](const token_key& a, const token_key& b) {
      return a.info.version < b.info.version;
    });
    for (auto& k : versions) k.info.active = &k == &versions.back();
  }
  std::erase_if(built, [](const auto& entry) { return entry.second.empty(); });
  std::unique_lock lock(index_mutex);
  index.swap(built);
  return {};
}

result<const token_key*> pkcs11_token::find(key_ref key, key_type type) const {
  const auto it = index.find(key.name);
  if (it == index.end()) return fail(errc::key_missing);
  const token_key* k = nullptr;
  if (key.version == 0) {
    k = &it->second.back();
  } else {
    for (const auto& v : it->second) {
      if (v.info.version == key.version) k = &v;
    }
  }
  if (k == nullptr) return fail(errc::key_missing);
  if (k->info.type != type) return fail(errc::wrong_key_type);
  return k;
}

error_code pkcs11_token::crypt(CK_MECHANISM_TYPE mechanism, CK_OBJECT_HANDLE key, bool encrypt,
                               bytes_view in, std::span<std::uint8_t> out, void* parameter,
                               CK_ULONG parameter_size, std::size_t* written_size) {
  session s(*this);
  CK_MECHANISM m{mechanism, parameter, parameter_size};
  CK_ULONG written = out.size();
  auto* data = const_cast<std::uint8_t*>(in.data());
  if (encrypt) {
    if (auto ec = check(f->C_EncryptInit(s.handle(), &m, key))) return ec;
    if (auto ec = check(f->C_Encrypt(s.handle(), data, in.size(), out.data(), &written))) return ec;
  } else {
    if (auto ec = check(f->C_DecryptInit(s.handle(), &m, key))) return ec;
    if (auto ec = check(f->C_Decrypt(s.handle(), data, in.size(), out.data(), &written))) return ec;
  }
  if (written_size != nullptr) {
    *written_size = written;
    return {};
  }
  return written == out.size() ? error_code{} : fail(errc::crypto_failure);
}

// One ECB operation under a block-cipher key (a 3DES TAK: under part 2, K || K').
error_code pkcs11_token::block(const token_key& k, bool encrypt, bytes_view in,
                               std::span<std::uint8_t> out) {
  if (k.info.algorithm == key_algorithm::aes) return crypt(CKM_AES_ECB, k.handle, encrypt, in, out);
  return crypt(CKM_DES3_ECB, split_tak(k.info) ? k.part2 : k.handle, encrypt, in, out);
}

result<std::array<std::uint8_t, 16>> pkcs11_token::cmac(CK_OBJECT_HANDLE key, bytes_view data) {
  session s(*this);
  CK_MECHANISM m{CKM_AES_CMAC, nullptr, 0};
  std::array<std::uint8_t, 16> out{};
  CK_ULONG size = out.size();
  // Empty data still needs a valid pointer: SoftHSM2 refuses a null one.
  std::uint8_t none = 0;
  auto* in = data.empty() ? &none : const_cast<std::uint8_t*>(data.data());
  if (auto ec = check(f->C_SignInit(s.handle(), &m, key))) return ec;
  if (auto ec = check(f->C_Sign(s.handle(), in, data.size(), out.data(), &size))) {
    return ec;
  }
  if (size != out.size()) return fail(errc::crypto_failure);
  return out;
}

result<digest> pkcs11_token::hmac(CK_OBJECT_HANDLE key, std::span<const std::string_view> parts) {
  session s(*this);
  CK_MECHANISM m{CKM_SHA256_HMAC, nullptr, 0};
  if (auto ec = check(f->C_SignInit(s.handle(), &m, key))) return ec;
  for (const auto part : parts) {
    if (part.empty()) continue;  // nothing to add, and some modules refuse a zero-length update
    auto* p = reinterpret_cast<CK_BYTE*>(const_cast<char*>(part.data()));
    if (auto ec = check(f->C_SignUpdate(s.handle(), p, part.size()))) {
      CK_ULONG ignored = 0;
      f->C_SignFinal(s.handle(), nullptr, &ignored);  // ends the operation (PKCS#11 5.12)
      return ec;
    }
  }
  digest out{};
  CK_ULONG size = out.size();
  if (auto ec = check(f->C_SignFinal(s.handle(), out.data(), &size))) return ec;
  if (size != out.size()) return fail(errc::crypto_failure);
  return out;
}

result<mac_value> pkcs11_token::retail_mac(const token_key& k, bytes_view message) {
  // Single-DES CBC-MAC under K over every block but the last (the last output block of CBC
  // encryption), then the last block under K, K', K, all inside the token.
  const std::size_t last = message.empty() ? 0 : (message.size() - 1) / 8 * 8;
  mac_value h{};
  if (last > 0) {
    std::vector<std::uint8_t> out(last);
    std::array<std::uint8_t, 8> iv{};
    if (auto ec =
            crypt(CKM_DES3_CBC, k.handle, true, message.first(last), out, iv.data(), iv.size())) {
      return ec;
    }
    std::copy(out.end() - 8, out.end(), h.begin());
  }
  for (std::size_t i = 0; last + i < message.size(); ++i) h[i] ^= message[last + i];
  mac_value out{};
  if (auto ec = block(k, true, h, out)) return ec;
  return out;
}

error_code pkcs11_token::kcv(token_key& k) {
  static constexpr std::array<std::uint8_t, 16> zeros{};
  std::array<std::uint8_t, 16> check_value{};
  if (k.info.algorithm == key_algorithm::tdes) {
    if (auto ec = block(k, true, std::span(zeros).first(8), std::span(check_value).first(8))) {
      return ec;
    }
  } else if (k.info.algorithm == key_algorithm::aes) {
    auto c = cmac(k.handle, zeros);
    if (!c) return c.error();
    check_value = *c;
  } else {
    const std::string_view zero_text(reinterpret_cast<const char*>(zeros.data()), zeros.size());
    auto d = hmac(k.handle, std::span(&zero_text, 1));
    if (!d) return d.error();
    std::copy_n(d->begin(), check_value.size(), check_value.begin());
  }
  k.info.kcv = to_hex(std::span(check_value).first(3));
  return {};
}

error_code pkcs11_token::destroy(const token_key& k) {
  session s(*this);
  error_code ec = check(f->C_DestroyObject(s.handle(), k.handle));
  if (k.part2 != CK_INVALID_HANDLE) {
    const auto second = check(f->C_DestroyObject(s.handle(), k.part2));
    if (!ec) ec = second;
  }
  return ec;
}

// The attributes of a Switchyard key object, with the storage they point into.
struct object_template {
  object_template(const key_info& info, int part, CK_KEY_TYPE key_type, CK_ULONG value_size)
      : type(key_type),
        unwrap(info.type == key_type::zmk ? CK_TRUE : CK_FALSE),
        value_len(value_size),
        id(object_id(info, part)),
        attributes{
            {CKA_CLASS, &key_class, sizeof key_class},
            {CKA_KEY_TYPE, &type, sizeof type},
            {CKA_TOKEN, &yes, sizeof yes},
            {CKA_PRIVATE, &yes, sizeof yes},
            {CKA_SENSITIVE, &yes, sizeof yes},
            {CKA_EXTRACTABLE, &no, sizeof no},
            {CKA_ENCRYPT, &yes, sizeof yes},
            {CKA_DECRYPT, &yes, sizeof yes},
            {CKA_SIGN, &yes, sizeof yes},
            {CKA_VERIFY, &yes, sizeof yes},
            {CKA_WRAP, &no, sizeof no},
            // Only a ZMK unwraps; nothing is ever extractable.
            {CKA_UNWRAP, &unwrap, sizeof unwrap},
            {CKA_LABEL, const_cast<char*>(info.name.data()), info.name.size()},
            {CKA_ID, id.data(), id.size()},
        } {}
  object_template(const object_template&) = delete;
  object_template& operator=(const object_template&) = delete;

  CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
  CK_KEY_TYPE type;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_BBOOL unwrap;
  CK_ULONG value_len;
  std::string id;
  std::vector<CK_ATTRIBUTE> attributes;
};

// The PKCS#11 key type and generation mechanism of a key (for a 3DES TAK: of each half).
std::pair<CK_KEY_TYPE, CK_MECHANISM_TYPE> object_kind(const key_info& info) {
  if (info.algorithm == key_algorithm::aes) return {CKK_AES, CKM_AES_KEY_GEN};
  if (info.algorithm == key_algorithm::tdes) {
    return info.size == 16 ? std::pair{CKK_DES2, CKM_DES2_KEY_GEN}
                           : std::pair{CKK_DES3, CKM_DES3_KEY_GEN};
  }
  return {CKK_GENERIC_SECRET, CKM_GENERIC_SECRET_KEY_GEN};
}

result<token_key> pkcs11_token::create(const key_info& info, const secure_bytes* material) {
  if (info.algorithm == key_algorithm::sm4 || info.algorithm == key_algorithm::hmac_sm3) {
    return fail(errc::unsupported_algorithm);  // PKCS#11 defines no SM mechanisms
  }
  if (split_tak(info)) return create_split_tak(info, material);
  const auto [type, generator] = object_kind(info);
  object_template t(info, 1, type, info.size);
  token_key k{info, CK_INVALID_HANDLE, CK_INVALID_HANDLE};
  session s(*this);
  if (material != nullptr) {
    t.attributes.push_back({CKA_VALUE, const_cast<std::uint8_t*>(material->data()), t.value_len});
    if (auto ec = check(
            f->C_CreateObject(s.handle(), t.attributes.data(), t.attributes.size(), &k.handle))) {
      return ec;
    }
    return k;
  }
  if (type == CKK_AES || type == CKK_GENERIC_SECRET) {
    t.attributes.push_back({CKA_VALUE_LEN, &t.value_len, sizeof t.value_len});
  }
  CK_MECHANISM m{generator, nullptr, 0};
  if (auto ec = check(
          f->C_GenerateKey(s.handle(), &m, t.attributes.data(), t.attributes.size(), &k.handle))) {
    return ec;
  }
  return k;
}

result<token_key> pkcs11_token::create_split_tak(const key_info& info,
                                                 const secure_bytes* material) {
  // The two objects must hold related values, which no PKCS#11 generation can produce, so the
  // key comes from the token's RNG into this process, is stored and is wiped (docs/security.md).
  secure_bytes value(16);
  session s(*this);
  if (material != nullptr) {
    value = *material;
  } else if (auto ec = check(f->C_GenerateRandom(s.handle(), value.data(), value.size()))) {
    return ec;
  }
  for (auto& b : value.span()) {  // odd parity, as generated DES keys have
    b = static_cast<std::uint8_t>((b & 0xfe) |
                                  (__builtin_parity(static_cast<unsigned>(b & 0xfe)) == 0 ? 1 : 0));
  }
  secure_bytes single(16);  // K || K
  std::copy_n(value.data(), 8, single.data());
  std::copy_n(value.data(), 8, single.data() + 8);
  token_key k{info, CK_INVALID_HANDLE, CK_INVALID_HANDLE};
  for (int part = 1; part <= 2; ++part) {
    object_template t(info, part, CKK_DES2, 16);
    const secure_bytes& v = part == 1 ? single : value;
    t.attributes.push_back({CKA_VALUE, const_cast<std::uint8_t*>(v.data()), v.size()});
    CK_OBJECT_HANDLE& h = part == 1 ? k.handle : k.part2;
    if (auto ec =
            check(f->C_CreateObject(s.handle(), t.attributes.data(), t.attributes.size(), &h))) {
      if (k.handle != CK_INVALID_HANDLE) f->C_DestroyObject(s.handle(), k.handle);
      return ec;
    }
  }
  return k;
}

result<token_key> pkcs11_token::unwrap(const key_info& info, CK_OBJECT_HANDLE zmk,
                                       bytes_view wrapped) {
  if (split_tak(info) || info.algorithm == key_algorithm::sm4 ||
      info.algorithm == key_algorithm::hmac_sm3) {
    return fail(errc::unsupported_algorithm);
  }
  object_template t(info, 1, object_kind(info).first, info.size);
  session s(*this);
  CK_MECHANISM m{CKM_AES_KEY_WRAP, nullptr, 0};
  token_key k{info, CK_INVALID_HANDLE, CK_INVALID_HANDLE};
  if (auto ec = check(f->C_UnwrapKey(s.handle(), &m, zmk, const_cast<std::uint8_t*>(wrapped.data()),
                                     wrapped.size(), t.attributes.data(), t.attributes.size(),
                                     &k.handle))) {
    // A wrapped key whose integrity check fails is the same outcome as with the soft backend.
    return ec == make_pkcs11_error(CKR_WRAPPED_KEY_INVALID) ? fail(errc::verification_failed) : ec;
  }
  return k;
}

}  // namespace detail

using detail::pkcs11_token;
using detail::token_key;

namespace {

error_code fail(errc e) {
  return make_error_code(e);
}

}  // namespace

pkcs11_backend::pkcs11_backend(std::unique_ptr<pkcs11_token> token) noexcept
    : token_(std::move(token)) {}

pkcs11_backend::~pkcs11_backend() = default;

result<std::unique_ptr<pkcs11_backend>> pkcs11_backend::open(
    const config::pkcs11_settings& settings) {
  auto token = std::make_unique<pkcs11_token>();
  if (auto ec = token->load(settings)) return ec;
  return std::unique_ptr<pkcs11_backend>(new pkcs11_backend(std::move(token)));
}

result<key_info> pkcs11_backend::do_create(const key_spec& spec, const secure_bytes* material,
                                           bool must_be_new) {
  std::lock_guard manage(token_->manage_mutex);
  auto version = next_version_of(spec, must_be_new);
  if (!version) return version.error();
  const key_info info{spec.name, *version, spec.type,       spec.algorithm,
                      spec.size, "",       created_now_s(), true};
  auto created = token_->create(info, material);
  if (!created) return created.error();
  if (auto ec = token_->kcv(*created)) {
    token_->destroy(*created);
    return ec;
  }
  const key_info out = created->info;
  if (auto ec = token_->rebuild_index()) return ec;
  return out;
}

result<key_info> pkcs11_backend::do_import_wrapped(const key_spec& spec, key_ref zmk,
                                                   bytes_view wrapped, std::string_view kcv) {
  secure_bytes clear(wrapped.size());
  {
    std::shared_lock lock(token_->index_mutex);
    auto k = token_->find(zmk, key_type::zmk);
    if (!k) return k.error();
    const key_info zmk_info = (*k)->info;
    if (zmk_info.algorithm == key_algorithm::aes) {
      // RFC 3394 unwrap inside the token: the clear key never leaves it. The KCV is checked on
      // the new object, which is destroyed when it does not match.
      const CK_OBJECT_HANDLE zmk_handle = (*k)->handle;
      lock.unlock();
      return import_in_token(spec, zmk_handle, wrapped, kcv);
    }
    if (wrapped.size() % 8 != 0) return fail(errc::bad_input);
    // 3DES ZMKs: SoftHSM2 (and PKCS#11 itself) offer no 3DES-ECB unwrap, so the key is decrypted
    // by the token and passes through this process's memory, wiped at once (docs/security.md).
    if (auto ec = token_->crypt(CKM_DES3_ECB, (*k)->handle, false, wrapped, clear.span())) {
      return ec;
    }
  }
  if (clear.size() != spec.size) return fail(errc::bad_input);
  auto check = primitives::kcv(spec.algorithm, clear.view());
  if (!check) return check.error();
  if (!same_kcv(*check, kcv)) return fail(errc::bad_kcv);
  return do_create(spec, &clear, false);
}

result<key_info> pkcs11_backend::import_in_token(const key_spec& spec, unsigned long zmk,
                                                 bytes_view wrapped, std::string_view kcv) {
  std::lock_guard manage(token_->manage_mutex);
  auto version = next_version_of(spec, false);
  if (!version) return version.error();
  const key_info info{spec.name, *version, spec.type,       spec.algorithm,
                      spec.size, "",       created_now_s(), true};
  auto created = token_->unwrap(info, zmk, wrapped);
  if (!created) return created.error();
  if (auto ec = token_->kcv(*created)) {
    token_->destroy(*created);
    return ec;
  }
  if (!same_kcv(created->info.kcv, kcv)) {
    token_->destroy(*created);
    return fail(errc::bad_kcv);
  }
  const key_info out = created->info;
  if (auto ec = token_->rebuild_index()) return ec;
  return out;
}

result<std::uint32_t> pkcs11_backend::next_version_of(const key_spec& spec, bool must_be_new) {
  std::vector<key_info> existing;
  std::shared_lock lock(token_->index_mutex);
  const auto it = token_->index.find(spec.name);
  if (it != token_->index.end()) {
    for (const auto& k : it->second) existing.push_back(k.info);
  }
  return next_version(spec, existing, must_be_new);
}

result<void> pkcs11_backend::do_retire(std::string_view name, std::uint32_t version) {
  std::lock_guard manage(token_->manage_mutex);
  token_key victim;
  {
    std::shared_lock lock(token_->index_mutex);
    const auto it = token_->index.find(name);
    if (it == token_->index.end()) return fail(errc::key_missing);
    const auto v = std::find_if(it->second.begin(), it->second.end(),
                                [&](const token_key& k) { return k.info.version == version; });
    if (v == it->second.end()) return fail(errc::key_missing);
    if (v->info.active) return fail(errc::active_version);
    victim = *v;
  }
  if (auto ec = token_->destroy(victim)) return ec;
  if (auto ec = token_->rebuild_index()) return ec;
  return {};
}

result<std::vector<key_info>> pkcs11_backend::do_list() {
  std::shared_lock lock(token_->index_mutex);
  std::vector<key_info> out;
  for (const auto& [name, versions] : token_->index) {
    for (const auto& k : versions) out.push_back(k.info);
  }
  return out;
}

result<key_info> pkcs11_backend::do_describe(key_ref key) {
  std::shared_lock lock(token_->index_mutex);
  const auto it = token_->index.find(key.name);
  if (it == token_->index.end()) return fail(errc::key_missing);
  auto k = token_->find(key, it->second.back().info.type);
  if (!k) return k.error();
  return (*k)->info;
}

result<std::vector<std::uint32_t>> pkcs11_backend::do_versions(std::string_view name) {
  std::shared_lock lock(token_->index_mutex);
  const auto it = token_->index.find(name);
  if (it == token_->index.end()) return fail(errc::key_missing);
  std::vector<std::uint32_t> out;
  for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) out.push_back(v->info.version);
  return out;
}

// Data-plane operations copy the handles they need out of the index (a shared lock held only
// for the lookup); a key retired meanwhile fails in the token with CKR_KEY_HANDLE_INVALID.
result<token_key> pkcs11_backend::lookup(key_ref key, key_type type) {
  std::shared_lock lock(token_->index_mutex);
  auto k = token_->find(key, type);
  if (!k) return k.error();
  return **k;
}

result<digest> pkcs11_backend::do_hmac(key_ref key, key_type purpose,
                                       std::span<const std::string_view> parts) {
  auto k = lookup(key, purpose);
  if (!k) return k.error();
  return token_->hmac(k->handle, parts);
}

result<mac_value> pkcs11_backend::do_mac(key_ref key, bytes_view message) {
  auto k = lookup(key, key_type::tak);
  if (!k) return k.error();
  if (k->info.algorithm == key_algorithm::tdes) return token_->retail_mac(*k, message);
  auto full = token_->cmac(k->handle, message);
  if (!full) return full.error();
  mac_value out{};
  std::copy_n(full->begin(), out.size(), out.begin());
  return out;
}

result<pin_block> pkcs11_backend::do_translate_pin(key_ref from, pin_format from_format, key_ref to,
                                                   pin_format to_format, const pin_block& block,
                                                   std::string_view pan) {
  auto in = lookup(from, key_type::zpk);
  if (!in) return in.error();
  auto out = lookup(to, key_type::zpk);
  if (!out) return out.error();
  if (!format_fits(from_format, in->info.algorithm) ||
      !format_fits(to_format, out->info.algorithm)) {
    return fail(errc::wrong_key_type);
  }
  // PKCS#11 has no PIN translation mechanism: the token decrypts and encrypts the blocks, and
  // the PIN field between the two steps is in this process's memory, in a clear_pin and wiped
  // blocks, for the duration of the call (docs/security.md).
  const auto cipher_of = [this](const token_key& k) -> block_cipher {
    return [this, &k](bool encrypt, bytes_view data, std::span<std::uint8_t> result_block) {
      return token_->block(k, encrypt, data, result_block);
    };
  };
  clear_pin pin;
  if (auto ec = pin_codec::decipher(from_format, cipher_of(*in), block, pan, pin)) return ec;
  return pin_codec::encipher(to_format, cipher_of(*out), pin, pan);
}

result<std::vector<std::uint8_t>> pkcs11_backend::do_encrypt(key_ref key, bytes_view plaintext,
                                                             bytes_view aad) {
  auto k = lookup(key, key_type::pan_data);
  if (!k) return k.error();
  std::vector<std::uint8_t> out(gcm_nonce_size + plaintext.size() + gcm_tag_size);
  if (auto ec = primitives::random_bytes(std::span(out).first(gcm_nonce_size))) return ec;
  CK_GCM_PARAMS params{out.data(),         gcm_nonce_size,
                       gcm_nonce_size * 8, const_cast<std::uint8_t*>(aad.data()),
                       aad.size(),         gcm_tag_size * 8};
  if (auto ec = token_->crypt(CKM_AES_GCM, k->handle, true, plaintext,
                              std::span(out).subspan(gcm_nonce_size), &params, sizeof params)) {
    return ec;
  }
  return out;
}

result<secure_bytes> pkcs11_backend::do_decrypt(key_ref key, bytes_view sealed, bytes_view aad) {
  auto k = lookup(key, key_type::pan_data);
  if (!k) return k.error();
  // Room for ciphertext and tag: SoftHSM2 asks for the input's size before it checks the tag.
  secure_bytes clear(sealed.size() - gcm_nonce_size);
  std::size_t written = 0;
  CK_GCM_PARAMS params{const_cast<std::uint8_t*>(sealed.data()), gcm_nonce_size, gcm_nonce_size * 8,
                       const_cast<std::uint8_t*>(aad.data()),    aad.size(),     gcm_tag_size * 8};
  if (auto ec = token_->crypt(CKM_AES_GCM, k->handle, false, sealed.subspan(gcm_nonce_size),
                              clear.span(), &params, sizeof params, &written)) {
    // A tag that does not verify: the same outcome as the soft backend's. SoftHSM2 reports it
    // as CKR_GENERAL_ERROR, the standard as CKR_ENCRYPTED_DATA_INVALID.
    const bool tag_failed = ec == make_pkcs11_error(CKR_ENCRYPTED_DATA_INVALID) ||
                            ec == make_pkcs11_error(CKR_GENERAL_ERROR);
    return tag_failed ? fail(errc::verification_failed) : ec;
  }
  if (written != sealed.size() - gcm_nonce_size - gcm_tag_size) return fail(errc::crypto_failure);
  clear.truncate(written);
  return clear;
}

}  // namespace sy::hsm
