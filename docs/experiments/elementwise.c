// Element-wise steps of a 1,000x256 layer (ReLU, its mask, the bias add, the
// column sums) in C, over 8 buffers in turn, 200 calls each, 3 rounds: what
// vectorised kernels would gain over the Go loops (elementwise.go).
//   gcc -O3 -march=native -o /tmp/ew docs/experiments/elementwise.c && /tmp/ew
// (With -O2 and no vectorisation, gcc compiles ReLU's and the mask's
// conditional into a branch, which is far slower on random signs.)
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#define N (1000*256)
#define NB 8
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
__attribute__((noinline)) void relu(double*restrict d,const double*restrict x,long n){for(long i=0;i<n;i++){d[i]=x[i]*(x[i]>=0?1.0:0.0);}}
__attribute__((noinline)) void mask(double*restrict d,const double*restrict g,const double*restrict x,long n){for(long i=0;i<n;i++){d[i]=g[i]*(x[i]>=0?1.0:0.0);}}
__attribute__((noinline)) void bias(double*restrict d,const double*restrict x,const double*restrict b,long r,long c){for(long i=0;i<r;i++)for(long j=0;j<c;j++)d[i*c+j]=x[i*c+j]+b[j];}
__attribute__((noinline)) void colsum(double*restrict d,const double*restrict x,long r,long c){memcpy(d,x,c*8);for(long i=1;i<r;i++)for(long j=0;j<c;j++)d[j]+=x[i*c+j];}
int main(){
 double *x[NB],*y[NB],*g[NB],b[256],s[256];
 for(int k=0;k<NB;k++){x[k]=aligned_alloc(64,N*8);y[k]=aligned_alloc(64,N*8);g[k]=aligned_alloc(64,N*8);for(long i=0;i<N;i++){x[k][i]=(double)rand()/RAND_MAX-0.5;g[k][i]=x[k][i]*2;y[k][i]=0;}}
 for(int j=0;j<256;j++)b[j]=j*0.01;
 for(int rep=0;rep<3;rep++){
 double t0=now(); for(int it=0;it<200;it++){int k=it%NB; relu(y[k],x[k],N);} double t1=now();
 for(int it=0;it<200;it++){int k=it%NB; mask(y[k],g[k],x[k],N);} double t2=now();
 for(int it=0;it<200;it++){int k=it%NB; bias(y[k],x[k],b,1000,256);} double t3=now();
 for(int it=0;it<200;it++){int k=it%NB; colsum(s,x[k],1000,256);} double t4=now();
 printf("relu %.0f us mask %.0f bias %.0f colsum %.0f\n",(t1-t0)/200*1e6,(t2-t1)/200*1e6,(t3-t2)/200*1e6,(t4-t3)/200*1e6);}
}
