{{/*
Names are fixed, not prefixed with the release name: the controller's flags, the certificate's DNS
names and the cluster-scoped objects (ClusterRole, webhook configurations, CRD) refer to them, and
one installation serves the whole cluster.
*/}}

{{/* The label every object carries, as kustomize's `labels` adds it in deploy/base. */}}
{{- define "otel-ta.labels" -}}
app.kubernetes.io/part-of: otel-ta
{{- end }}

{{/* The webhook pods' labels: the Deployment's selector, the Service's, the PDB's and the NetworkPolicy's. */}}
{{- define "otel-ta.selectorLabels" -}}
app.kubernetes.io/name: otel-ta
app.kubernetes.io/component: webhook
{{- end }}

{{- define "otel-ta.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "otel-ta.allocatorImage" -}}
{{ .Values.allocator.image | default (include "otel-ta.image" .) }}
{{- end }}

{{- define "otel-ta.standalone" -}}
{{- if eq .Values.mode "standalone" }}true{{ end }}
{{- end }}

{{/* The controller manages certificates unless cert-manager does. */}}
{{- define "otel-ta.controllerCertificates" -}}
{{- if not .Values.certManager.enabled }}true{{ end }}
{{- end }}

{{/* cert-manager's cainjector fills the caBundle of objects carrying this annotation. */}}
{{- define "otel-ta.injectCaAnnotation" -}}
cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/otel-ta-webhook
{{- end }}

{{/* Which collectors' namespaces reach the webhooks: never kube-system or our own. */}}
{{- define "otel-ta.namespaceSelector" -}}
{{- if .Values.webhook.namespaceSelector }}
{{- toYaml .Values.webhook.namespaceSelector }}
{{- else }}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values: [kube-system, {{ .Release.Namespace }}]
{{- end }}
{{- end }}

{{/*
with-upstream-operator: only opted-in collectors reach the webhooks. The trigger is an annotation,
which an objectSelector cannot see (it matches labels only), so this is a CEL matchCondition.
*/}}
{{- define "otel-ta.matchConditions" -}}
{{- if not (include "otel-ta.standalone" .) }}
matchConditions:
  - name: opted-in
    expression: >-
      has(object.metadata.annotations) &&
      'otel-ta.dev/enable' in object.metadata.annotations &&
      object.metadata.annotations['otel-ta.dev/enable'] == 'true'
{{- end }}
{{- end }}

{{/* The policy file's content: the values' policy with the release namespace always exempt. */}}
{{- define "otel-ta.policy" -}}
{{- $policy := deepCopy .Values.policy }}
{{- $exempt := $policy.exemptNamespaces | default list }}
{{- if not (has .Release.Namespace $exempt) }}
{{- $exempt = append $exempt .Release.Namespace }}
{{- end }}
{{- $_ := set $policy "exemptNamespaces" $exempt }}
{{- toYaml $policy }}
{{- end }}
