/**
 * The simulated `rocket-chat` stack's template, written the way the infra repo's
 * `roles/rocket-chat/files/chat.cf.yaml` is: YAML with short-form intrinsics, comments and
 * uneven spacing, all of which a template edit must leave exactly as they are.
 */
export const DEFAULT_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Description: >-
  Rocket.Chat on ECS Fargate: the chat app and its MongoDB ("chat-db"), with the
  database and its dumps on EFS. Source: roles/rocket-chat/files/chat.cf.yaml

Parameters:
  MongoImage:
    Type: String
    Default: mongo:6.0.16
    Description: MongoDB image of the chat-db task
  RocketChatImage:
    Type: String
    Default: registry.rocket.chat/rocketchat/rocket.chat:6.9.3
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Default: subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788
  SecurityGroup:
    Type: AWS::EC2::SecurityGroup::Id
    Default: sg-0c1d2e3f4a5b6c7d8

Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties:
      ClusterSettings:
        - Name: containerInsights
          Value: enabled

  LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /ecs/\${AWS::StackName}
      RetentionInDays: 30

  TaskExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: ecs-tasks.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy

  # The database volume. AWS Backup takes it every night (BackupPolicy); a restore
  # lands in /aws-backup-restore_<timestamp> at the root of this same file system.
  DbStorage:
    Type: AWS::EFS::FileSystem
    DeletionPolicy: Retain
    Properties:
      Encrypted: true
      PerformanceMode: generalPurpose
      BackupPolicy:
        Status: ENABLED
      FileSystemTags:
        - Key: Name
          Value: rocket-chat-db

  # mongodump archives; never restored over.
  DumpStorage:
    Type: AWS::EFS::FileSystem
    DeletionPolicy: Retain
    Properties:
      Encrypted: true
      FileSystemTags:
        - Key: Name
          Value: rocket-chat-dump

  DbStorageMountTarget:
    Type: AWS::EFS::MountTarget
    Properties:
      FileSystemId: !Ref DbStorage
      SubnetId: !Select [0, !Ref Subnets]
      SecurityGroups: [!Ref SecurityGroup]

  DumpStorageMountTarget:
    Type: AWS::EFS::MountTarget
    Properties:
      FileSystemId: !Ref DumpStorage
      SubnetId: !Select [0, !Ref Subnets]
      SecurityGroups: [ !Ref SecurityGroup ]

  DbTaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: chat-db
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: '1024'
      Memory: '2048'
      ExecutionRoleArn: !GetAtt TaskExecutionRole.Arn
      ContainerDefinitions:
        - Name: mongo
          Image: !Ref MongoImage
          Essential: true
          Command: [--replSet, rs0, --bind_ip_all]
          PortMappings:
            - ContainerPort: 27017
              Protocol: tcp
          MountPoints:
            - SourceVolume: chat-db
              ContainerPath: /data/db
            - SourceVolume: chat-dump
              ContainerPath: /dump
          HealthCheck:
            Command: [CMD-SHELL, "mongosh --quiet --eval 'db.adminCommand({ ping: 1 }).ok' || exit 1"]
            Interval: 30
            Timeout: 10
            Retries: 5
            StartPeriod: 60
          LogConfiguration:
            LogDriver: awslogs
            Options:
              awslogs-group: !Ref LogGroup
              awslogs-region: !Ref AWS::Region
              awslogs-stream-prefix: chat-db
      Volumes:
        - Name: chat-db
          EFSVolumeConfiguration:
            FilesystemId: !Ref DbStorage   # the database volume
            RootDirectory: /aws-backup-restore_2026-05-14T17-27-00-417720408Z
            TransitEncryption: ENABLED
        - Name: chat-dump
          EFSVolumeConfiguration:
            FilesystemId:   !Ref DumpStorage
            TransitEncryption: ENABLED

  DbService:
    Type: AWS::ECS::Service
    DependsOn: [DbStorageMountTarget, DumpStorageMountTarget]
    Properties:
      ServiceName: chat-db
      Cluster: !Ref Cluster
      TaskDefinition: !Ref DbTaskDefinition
      LaunchType: FARGATE
      DesiredCount: 1
      # One MongoDB at a time: no room above the one task and none below it, so a
      # deployment waits until the old task is stopped (the playbook's "kill the
      # existing task").
      DeploymentConfiguration:
        MinimumHealthyPercent: 100
        MaximumPercent: 100
        DeploymentCircuitBreaker: { Enable: true, Rollback: false }
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: DISABLED
          SecurityGroups: [!Ref SecurityGroup]
          Subnets: !Ref Subnets

  ChatTaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: chat
      RequiresCompatibilities: [FARGATE]
      NetworkMode: awsvpc
      Cpu: '512'
      Memory: '1024'
      ExecutionRoleArn: !GetAtt TaskExecutionRole.Arn
      ContainerDefinitions:
        - Name: rocketchat
          Image: !Ref RocketChatImage
          Essential: true
          PortMappings:
            - ContainerPort: 3000
          Environment:
            - Name: ROOT_URL
              Value: https://chat.example.com
            - Name: MONGO_URL
              Value: mongodb://chat-db.rocket-chat.internal:27017/rocketchat?replicaSet=rs0
            - Name: MONGO_OPLOG_URL
              Value: mongodb://chat-db.rocket-chat.internal:27017/local?replicaSet=rs0
          LogConfiguration:
            LogDriver: awslogs
            Options:
              awslogs-group: !Ref LogGroup
              awslogs-region: !Ref AWS::Region
              awslogs-stream-prefix: chat

  ChatService:
    Type: AWS::ECS::Service
    DependsOn: DbService
    Properties:
      ServiceName: chat
      Cluster: !Ref Cluster
      TaskDefinition: !Ref ChatTaskDefinition
      LaunchType: FARGATE
      DesiredCount: 1
      DeploymentConfiguration:
        MinimumHealthyPercent: 50
        MaximumPercent: 200
      NetworkConfiguration:
        AwsvpcConfiguration:
          AssignPublicIp: DISABLED
          SecurityGroups: [!Ref SecurityGroup]
          Subnets: !Ref Subnets

Outputs:
  ClusterName:
    Value: !Ref Cluster
  DbServiceName:
    Value: !GetAtt DbService.Name
  DbFileSystemId:
    Description: EFS file system holding the chat database
    Value: !Ref DbStorage
`;
