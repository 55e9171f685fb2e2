{{/* Chart name, overridable. */}}
{{- define "conduit-delegate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release name alone when it already contains the chart name. */}}
{{- define "conduit-delegate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "conduit-delegate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "conduit-delegate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "conduit-delegate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "conduit-delegate.labels" -}}
helm.sh/chart: {{ include "conduit-delegate.chart" . }}
{{ include "conduit-delegate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: delegate
app.kubernetes.io/part-of: conduit
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "conduit-delegate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "conduit-delegate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "conduit-delegate.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding the delegate token: the user's, or the one this chart creates. */}}
{{- define "conduit-delegate.tokenSecretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- printf "%s-token" (include "conduit-delegate.fullname" .) }}
{{- end }}
{{- end }}

{{- define "conduit-delegate.tokenSecretKey" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecretKey }}
{{- else }}
{{- "token" }}
{{- end }}
{{- end }}
