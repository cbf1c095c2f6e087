# -*- coding: utf-8 -*-
# Copyright: onprem.coder contributors
# Apache License 2.0 (see LICENSE)
"""The values of Coder's Helm charts (coder, coder-provisioner) that onprem.coder sets, for the
pinned chart line 2.34.x, as a JSON schema (draft 2020-12). Kept by hand from the charts'
values.yaml; a value outside it is a mistake in the collection. The coder and coder_provisioner
roles check their values files against it (filter helm_values_errors)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

CHART_LINE = "2.34"
SCHEMA = json.loads(r'''
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "additionalProperties": false,
  "properties": {
    "coder": {
      "additionalProperties": false,
      "properties": {
        "affinity": {
          "type": "object"
        },
        "certs": {
          "properties": {
            "secrets": {
              "items": {
                "required": [
                  "name",
                  "key"
                ],
                "type": "object"
              },
              "type": "array"
            }
          },
          "type": "object"
        },
        "env": {
          "items": {
            "additionalProperties": false,
            "oneOf": [
              {
                "required": [
                  "value"
                ]
              },
              {
                "required": [
                  "valueFrom"
                ]
              }
            ],
            "properties": {
              "name": {
                "pattern": "^[A-Z_][A-Z0-9_]*$",
                "type": "string"
              },
              "value": {
                "type": "string"
              },
              "valueFrom": {
                "type": "object"
              }
            },
            "required": [
              "name"
            ],
            "type": "object"
          },
          "type": "array"
        },
        "image": {
          "additionalProperties": false,
          "properties": {
            "pullPolicy": {
              "enum": [
                "Always",
                "IfNotPresent",
                "Never"
              ]
            },
            "pullSecrets": {
              "items": {
                "required": [
                  "name"
                ],
                "type": "object"
              },
              "type": "array"
            },
            "repo": {
              "type": "string"
            },
            "tag": {
              "pattern": "^v[0-9]+\\.[0-9]+\\.[0-9]+$",
              "type": "string"
            }
          },
          "required": [
            "repo",
            "tag"
          ],
          "type": "object"
        },
        "nodeSelector": {
          "additionalProperties": {
            "type": "string"
          },
          "type": "object"
        },
        "podAnnotations": {
          "additionalProperties": {
            "type": "string"
          },
          "type": "object"
        },
        "podLabels": {
          "additionalProperties": {
            "type": "string"
          },
          "type": "object"
        },
        "replicaCount": {
          "minimum": 1,
          "type": "integer"
        },
        "resources": {
          "additionalProperties": false,
          "properties": {
            "limits": {
              "additionalProperties": false,
              "properties": {
                "cpu": {
                  "pattern": "^[0-9]+m?$",
                  "type": "string"
                },
                "memory": {
                  "pattern": "^[0-9]+(Mi|Gi)$",
                  "type": "string"
                }
              },
              "required": [
                "cpu",
                "memory"
              ],
              "type": "object"
            },
            "requests": {
              "additionalProperties": false,
              "properties": {
                "cpu": {
                  "pattern": "^[0-9]+m?$",
                  "type": "string"
                },
                "memory": {
                  "pattern": "^[0-9]+(Mi|Gi)$",
                  "type": "string"
                }
              },
              "required": [
                "cpu",
                "memory"
              ],
              "type": "object"
            }
          },
          "required": [
            "requests",
            "limits"
          ],
          "type": "object"
        },
        "service": {
          "additionalProperties": false,
          "properties": {
            "annotations": {
              "type": "object"
            },
            "enable": {
              "type": "boolean"
            },
            "externalTrafficPolicy": {
              "enum": [
                "Cluster",
                "Local"
              ]
            },
            "httpNodePort": {
              "type": "string"
            },
            "httpsNodePort": {
              "type": "string"
            },
            "loadBalancerClass": {
              "type": "string"
            },
            "loadBalancerIP": {
              "type": "string"
            },
            "type": {
              "enum": [
                "ClusterIP",
                "NodePort",
                "LoadBalancer"
              ]
            }
          },
          "type": "object"
        },
        "serviceAccount": {
          "additionalProperties": false,
          "properties": {
            "annotations": {
              "type": "object"
            },
            "enableDeployments": {
              "type": "boolean"
            },
            "extraRules": {
              "type": "array"
            },
            "name": {
              "type": "string"
            },
            "workspacePerms": {
              "type": "boolean"
            }
          },
          "type": "object"
        },
        "tls": {
          "properties": {
            "secretNames": {
              "items": {
                "type": "string"
              },
              "type": "array"
            }
          },
          "type": "object"
        },
        "tolerations": {
          "items": {
            "properties": {
              "effect": {
                "enum": [
                  "NoSchedule",
                  "PreferNoSchedule",
                  "NoExecute"
                ]
              },
              "key": {
                "type": "string"
              },
              "operator": {
                "enum": [
                  "Equal",
                  "Exists"
                ]
              },
              "value": {
                "type": "string"
              }
            },
            "required": [
              "key",
              "operator",
              "effect"
            ],
            "type": "object"
          },
          "type": "array"
        },
        "workspaceProxy": {
          "type": "boolean"
        }
      },
      "required": [
        "image",
        "replicaCount",
        "resources",
        "env"
      ],
      "type": "object"
    },
    "extraTemplates": {
      "items": {
        "type": "string"
      },
      "type": "array"
    },
    "nameOverride": {
      "type": "string"
    },
    "provisionerDaemon": {
      "additionalProperties": false,
      "properties": {
        "keySecretKey": {
          "type": "string"
        },
        "keySecretName": {
          "type": "string"
        },
        "pskSecretName": {
          "type": "string"
        },
        "terminationGracePeriodSeconds": {
          "minimum": 600,
          "type": "integer"
        }
      },
      "type": "object"
    }
  },
  "required": [
    "coder"
  ],
  "type": "object"
}
''')
