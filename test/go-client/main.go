// Command go-client drives the sandbox cloud with the official Huawei Cloud Go SDK, a client
// OneClick did not write: it creates a server, waits for its job, shows it and deletes it, then
// prints one JSON line describing what it saw. Settings come from the environment (HWC_*).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	ecs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ecs/v2/model"
)

type report struct {
	JobID        string `json:"jobId"`
	ServerID     string `json:"serverId"`
	JobStatus    string `json:"jobStatus"`
	ServerStatus string `json:"serverStatus"`
	ServerName   string `json:"serverName"`
	Address      string `json:"address"`
	DeleteJob    string `json:"deleteJob"`
	DeleteStatus string `json:"deleteStatus"`
	GoneAfter    bool   `json:"goneAfterDelete"`
	BadSigStatus int32  `json:"badSignatureStatus"`
	BadSigCode   string `json:"badSignatureCode"`
	WeakPassCode string `json:"weakPasswordCode"`
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fail(fmt.Errorf("%s is not set", name))
	}
	return v
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-client:", err)
	os.Exit(1)
}

func client(sk string) *ecs.EcsClient {
	cred, err := basic.NewCredentialsBuilder().
		WithAk(env("HWC_AK")).WithSk(sk).WithProjectId(env("HWC_PROJECT_ID")).SafeBuild()
	if err != nil {
		fail(err)
	}
	hc, err := ecs.EcsClientBuilder().
		WithEndpoints([]string{env("HWC_ENDPOINT")}).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(10 * time.Second)).
		SafeBuild()
	if err != nil {
		fail(err)
	}
	return ecs.NewEcsClient(hc)
}

func waitJob(c *ecs.EcsClient, id string) (*model.ShowJobResponse, error) {
	for i := 0; i < 600; i++ {
		job, err := c.ShowJob(&model.ShowJobRequest{JobId: id})
		if err != nil {
			return nil, err
		}
		if s := job.Status.Value(); s == "SUCCESS" || s == "FAIL" {
			return job, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("job %s did not finish", id)
}

func createRequest(token, pass string) *model.CreateServersRequest {
	count := int32(1)
	sgs := []model.PrePaidServerSecurityGroup{{Id: strPtr(env("HWC_SECURITY_GROUP_ID"))}}
	tags := []model.PrePaidServerTag{{Key: "made-by", Value: "go-sdk"}}
	return &model.CreateServersRequest{
		XClientToken: &token,
		Body: &model.CreateServersRequestBody{Server: &model.PrePaidServer{
			ImageRef:       env("HWC_IMAGE_ID"),
			FlavorRef:      env("HWC_FLAVOR"),
			Name:           "go-sdk-vm",
			Vpcid:          env("HWC_VPC_ID"),
			Nics:           []model.PrePaidServerNic{{SubnetId: strPtr(env("HWC_SUBNET_ID"))}},
			RootVolume:     &model.PrePaidServerRootVolume{Volumetype: model.GetPrePaidServerRootVolumeVolumetypeEnum().SSD},
			SecurityGroups: &sgs,
			AdminPass:      &pass,
			Count:          &count,
			ServerTags:     &tags,
		}},
	}
}

func strPtr(s string) *string { return &s }

func main() {
	c := client(env("HWC_SK"))
	var r report

	created, err := c.CreateServers(createRequest(env("HWC_CLIENT_TOKEN"), "Go-sdk!pass1"))
	if err != nil {
		fail(fmt.Errorf("create: %w", err))
	}
	r.JobID = *created.JobId
	r.ServerID = (*created.ServerIds)[0]
	job, err := waitJob(c, r.JobID)
	if err != nil {
		fail(fmt.Errorf("job: %w", err))
	}
	r.JobStatus = job.Status.Value()

	shown, err := c.ShowServer(&model.ShowServerRequest{ServerId: r.ServerID})
	if err != nil {
		fail(fmt.Errorf("show: %w", err))
	}
	r.ServerStatus = shown.Server.Status
	r.ServerName = shown.Server.Name
	for _, addrs := range shown.Server.Addresses {
		for _, a := range addrs {
			r.Address = a.Addr
		}
	}

	yes := true
	deleted, err := c.DeleteServers(&model.DeleteServersRequest{Body: &model.DeleteServersRequestBody{
		Servers: []model.ServerId{{Id: r.ServerID}}, DeletePublicip: &yes, DeleteVolume: &yes,
	}})
	if err != nil {
		fail(fmt.Errorf("delete: %w", err))
	}
	r.DeleteJob = *deleted.JobId
	djob, err := waitJob(c, r.DeleteJob)
	if err != nil {
		fail(fmt.Errorf("delete job: %w", err))
	}
	r.DeleteStatus = djob.Status.Value()
	_, err = c.ShowServer(&model.ShowServerRequest{ServerId: r.ServerID})
	r.GoneAfter = err != nil

	// The gateway's and ECS's error bodies, as the Go SDK decodes them.
	if _, err := client(env("HWC_SK") + "x").ShowJob(&model.ShowJobRequest{JobId: r.JobID}); err != nil {
		if e, ok := err.(*sdkerr.ServiceResponseError); ok {
			r.BadSigStatus = int32(e.StatusCode)
			r.BadSigCode = e.ErrorCode
		}
	}
	if _, err := c.CreateServers(createRequest(env("HWC_CLIENT_TOKEN")+"-weak", "password")); err != nil {
		if e, ok := err.(*sdkerr.ServiceResponseError); ok {
			r.WeakPassCode = e.ErrorCode
		}
	}

	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}
