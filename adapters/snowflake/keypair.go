package snowflake

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// ErrPrivateKey is wrapped by every error about a key-pair private key.
// The messages never include the key or its passphrase.
var ErrPrivateKey = errors.New("invalid private key")

// ParsePrivateKey reads an RSA private key for key-pair authentication:
// PEM "PRIVATE KEY" (PKCS #8), "ENCRYPTED PRIVATE KEY" (PKCS #8 with
// PBES2: PBKDF2 and AES-CBC or 3DES-CBC, what openssl pkcs8 -topk8 writes)
// decrypted with passphrase, or "RSA PRIVATE KEY" (PKCS #1). Without PEM
// armour the text is taken as base64 of a DER PKCS #8 key, the other form
// dbt-snowflake's private_key accepts.
func ParsePrivateKey(text []byte, passphrase string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(text)
	if block == nil {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(text)), ""))
		if err != nil {
			return nil, fmt.Errorf("%w: neither PEM nor base64 DER", ErrPrivateKey)
		}
		return pkcs8RSA(der)
	}
	if _, ok := block.Headers["DEK-Info"]; ok {
		return nil, fmt.Errorf("%w: legacy OpenSSL PEM encryption is not supported; convert it with openssl pkcs8 -topk8 -v2 aes-256-cbc", ErrPrivateKey)
	}
	switch block.Type {
	case "PRIVATE KEY":
		return pkcs8RSA(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: PKCS #1: %v", ErrPrivateKey, err)
		}
		return k, nil
	case "ENCRYPTED PRIVATE KEY":
		if passphrase == "" {
			return nil, fmt.Errorf("%w: the key is encrypted; set private_key_passphrase", ErrPrivateKey)
		}
		der, err := decryptPKCS8(block.Bytes, []byte(passphrase))
		if err != nil {
			return nil, err
		}
		k, err := pkcs8RSA(der)
		if err != nil {
			// A wrong passphrase usually fails the padding check already;
			// when it does not, the decrypted bytes are not a key.
			return nil, fmt.Errorf("%w: wrong passphrase, or a damaged key", ErrPrivateKey)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrPrivateKey, block.Type)
	}
}

func pkcs8RSA(der []byte) (*rsa.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: PKCS #8: %v", ErrPrivateKey, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: Snowflake key-pair authentication needs an RSA key, got %T", ErrPrivateKey, k)
	}
	return rk, nil
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// RFC 5208 / RFC 8018 structures.
type encryptedPrivateKeyInfo struct {
	Algorithm     pkix.AlgorithmIdentifier
	EncryptedData []byte
}

type pbes2Params struct {
	KeyDerivationFunc pkix.AlgorithmIdentifier
	EncryptionScheme  pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt           []byte
	IterationCount int
	KeyLength      int                      `asn1:"optional"`
	PRF            pkix.AlgorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo protected with PBES2.
func decryptPKCS8(der, passphrase []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: not an encrypted PKCS #8 key", ErrPrivateKey)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("%w: encryption %v is not supported (want PBES2; convert with openssl pkcs8 -topk8 -v2 aes-256-cbc)", ErrPrivateKey, info.Algorithm.Algorithm)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("%w: PBES2 parameters: %v", ErrPrivateKey, err)
	}
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("%w: key derivation %v is not supported (want PBKDF2)", ErrPrivateKey, params.KeyDerivationFunc.Algorithm)
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		return nil, fmt.Errorf("%w: PBKDF2 parameters: %v", ErrPrivateKey, err)
	}
	var prf func() hash.Hash
	switch alg := kdf.PRF.Algorithm; {
	case len(alg) == 0, alg.Equal(oidHMACSHA1):
		prf = sha1.New
	case alg.Equal(oidHMACSHA224):
		prf = sha256.New224
	case alg.Equal(oidHMACSHA256):
		prf = sha256.New
	case alg.Equal(oidHMACSHA384):
		prf = sha512.New384
	case alg.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, fmt.Errorf("%w: PBKDF2 hash %v is not supported", ErrPrivateKey, alg)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch alg := params.EncryptionScheme.Algorithm; {
	case alg.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case alg.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case alg.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case alg.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("%w: cipher %v is not supported (want AES-CBC or DES-EDE3-CBC)", ErrPrivateKey, alg)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("%w: cipher parameters: %v", ErrPrivateKey, err)
	}
	if kdf.IterationCount < 1 {
		return nil, fmt.Errorf("%w: PBKDF2 iteration count %d", ErrPrivateKey, kdf.IterationCount)
	}
	key, err := pbkdf2.Key(prf, string(passphrase), kdf.Salt, kdf.IterationCount, keyLen)
	if err != nil {
		return nil, fmt.Errorf("%w: PBKDF2: %v", ErrPrivateKey, err)
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPrivateKey, err)
	}
	data := info.EncryptedData
	if len(iv) != block.BlockSize() || len(data) == 0 || len(data)%block.BlockSize() != 0 {
		return nil, fmt.Errorf("%w: malformed encrypted data", ErrPrivateKey)
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	// PKCS #7 padding; a wrong passphrase almost always breaks it.
	pad := int(out[len(out)-1])
	if pad < 1 || pad > block.BlockSize() {
		return nil, fmt.Errorf("%w: wrong passphrase, or a damaged key", ErrPrivateKey)
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: wrong passphrase, or a damaged key", ErrPrivateKey)
		}
	}
	return out[:len(out)-pad], nil
}
