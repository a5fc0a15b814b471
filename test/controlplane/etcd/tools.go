//go:build tools

// Package tools pins etcd's main package (the go.etcd.io/etcd/server/v3 module root) so that
// `go mod tidy` keeps go.sum complete for `go build go.etcd.io/etcd/server/v3`. etcd lives in its own
// module so that its dependency versions do not move kube-apiserver's (and vice versa).
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)
