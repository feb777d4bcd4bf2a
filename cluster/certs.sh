#!/usr/bin/env bash
# Generate the PKI for the local cluster with openssl (idempotent: existing
# files are kept).  Usage: certs.sh DIR
#   ca.{crt,key}                 cluster CA (signs everything below)
#   etcd-server.{crt,key}        etcd serving cert (127.0.0.1, localhost)
#   apiserver.{crt,key}          kube-apiserver serving cert (127.0.0.1, 10.96.0.1, kubernetes.default...)
#   apiserver-etcd-client.{crt,key}
#   admin / kube-controller-manager / kube-scheduler / kwok .{crt,key}
#                                client certs, all in group system:masters
#   front-proxy-client.{crt,key} the apiserver's aggregation-layer client cert
#   sa.{key,pub}                 service-account token signing key pair (ES256)
#   kubelet.{crt,key}            the real node's kubelet serving cert (NODE_IP, NODE_NAME)
#   kubelet-client.{crt,key}     the kubelet's client cert: system:node:NODE_NAME in system:nodes
#   apiserver-kubelet-client.{crt,key}
#                                the API server's client cert for the kubelet (exec, logs)
# All keys are ECDSA P-256: generating them takes milliseconds (RSA took ~3 s).
set -euo pipefail

DIR="${1:?usage: certs.sh DIR}"
mkdir -p "${DIR}"
cd "${DIR}"

if ! command -v openssl >/dev/null 2>&1; then
  echo "openssl not found; installing it with apt-get" >&2
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi

DAYS=3650

if [[ ! -f ca.crt ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days "${DAYS}" \
    -subj "/CN=kubesim-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
fi

# issue NAME SUBJECT EXTKEYUSAGE [SAN]
issue() {
  local name="$1" subj="$2" eku="$3" san="${4:-}"
  [[ -f "${name}.crt" && -f "${name}.key" ]] && return 0
  local ext="${name}.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=${eku}"
    [[ -n "${san}" ]] && echo "subjectAltName=${san}"
  } > "${ext}"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "${name}.key" -out "${name}.csr" -subj "${subj}" 2>/dev/null
  openssl x509 -req -in "${name}.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -out "${name}.crt" -days "${DAYS}" -extfile "${ext}" 2>/dev/null
  rm -f "${name}.csr" "${ext}"
}

issue etcd-server "/CN=kubesim-etcd" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
issue apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
issue apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
issue admin "/O=system:masters/CN=kubesim-admin" clientAuth
issue kube-controller-manager "/O=system:masters/CN=system:kube-controller-manager" clientAuth
issue kube-scheduler "/O=system:masters/CN=system:kube-scheduler" clientAuth
issue kwok "/O=system:masters/CN=kwok-controller" clientAuth
# Aggregation-layer client (front proxy).  Configuring it also gives the
# extension-apiserver-authentication ConfigMap its requestheader CA, without
# which kube-controller-manager and kube-scheduler log an error every few seconds.
issue front-proxy-client "/CN=front-proxy-client" clientAuth
if [[ -n "${NODE_NAME:-}" && -n "${NODE_IP:-}" ]]; then
  issue kubelet "/CN=${NODE_NAME}" serverAuth "IP:${NODE_IP},DNS:${NODE_NAME}"
  issue kubelet-client "/O=system:nodes/CN=system:node:${NODE_NAME}" clientAuth
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
fi

if [[ ! -f sa.key ]]; then
  openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
  openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
fi
chmod 600 ./*.key
