{{/* The objects' name: fullnameOverride, else the release name when it contains "keymint", else <release>-keymint. */}}
{{- define "keymint.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Pod selector. app.kubernetes.io/name is always keymint: the NetworkPolicy, and the alerts' job="keymint"
     (the ServiceMonitor's jobLabel), rely on it. */}}
{{- define "keymint.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keymint.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "keymint.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "keymint.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "keymint.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Keymint's own namespace: its Lease and its fingerprint key Secret live there. */}}
{{- define "keymint.operatorNamespace" -}}
{{- default .Release.Namespace .Values.config.leaderElectionNamespace -}}
{{- end -}}

{{/*
The container env entry of one setting, at the indentation of deployment.yaml's env list:
(list "KEYMINT_NAME" value). A list becomes a comma list; "", [], false and null leave the variable out, so
Keymint applies its own default. A new setting is one value in values.yaml and one line of this in deployment.yaml.
*/}}
{{- define "keymint.env" -}}
{{- $name := index . 0 -}}
{{- $value := index . 1 -}}
{{- if kindIs "slice" $value -}}{{- $value = join "," $value -}}{{- end -}}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") (ne (toString $value) "false") }}
            - {name: {{ $name }}, value: {{ toString $value | quote }}}
{{- end -}}
{{- end -}}

{{/* The least the operator needs, as a ClusterRole or a Role per watched namespace; RbacCoverageIT checks it. */}}
{{- define "keymint.operatorRules" -}}
- apiGroups: ["keymint.io"]
  resources: ["clientapplications", "apptokens", "platformtokens"]
  verbs: ["get", "list", "watch", "patch", "update"]       # patch/update: the finalizer
- apiGroups: ["keymint.io"]
  resources: ["clientapplications/status", "apptokens/status", "platformtokens/status"]
  verbs: ["patch", "update"]
- apiGroups: ["keymint.io"]
  resources: ["clientapplications/finalizers", "apptokens/finalizers", "platformtokens/finalizers"]
  verbs: ["update"]                                          # owner references with blockOwnerDeletion
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["get", "create", "patch"]                        # Events on Keymint's resources
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "patch"]                                    # rolloutRestart
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  verbs: ["create"]                                          # AppTokens on ServiceAccount applications (TokenRequest)
{{- end -}}
