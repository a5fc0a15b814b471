//go:build tools

// Package tools pins the kube-apiserver main package so that `go mod tidy` keeps go.sum complete
// for `go build k8s.io/kubernetes/cmd/kube-apiserver` run from this module.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
